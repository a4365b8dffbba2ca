using Pare.Core;
using Pare.Core.Random;
using static Pare.Graph.Tests.Ops.OneNode;

namespace Pare.Graph.Tests.Ops;

/// <summary>Attention beyond the ONNX node tests: bad shapes and attributes fail naming the node, a GQA + causal +
/// past + softcap case against a plain double reference, and gradients through the training runner.</summary>
public class AttentionOpTests
{
    // float32 GEMMs and softmax against a double reference on values of order one
    private const float Tolerance = 1e-5f;

    private static Tensor R(ulong seed, params int[] shape) => Tensor.Uniform(new Shape(shape), -1f, 1f, new Rng(seed));

    private static Node AttentionNode(string[] inputs, int outputs, params (string Name, AttributeValue Value)[] attributes)
    {
        var node = new Node("n0", "Attention", inputs, Enumerable.Range(0, outputs).Select(i => $"y{i}"));
        foreach (var (name, value) in attributes) node.Attributes.Set(name, value);
        return node;
    }

    private static GraphException Fails(Node node, params Tensor[] inputs)
    {
        var e = Assert.Throws<GraphException>(() => Run(node, 23, inputs));
        Assert.Contains("n0", e.Message);
        return e;
    }

    [Fact]
    public void Query_heads_that_do_not_group_over_kv_heads_fail_naming_the_node()
    {
        var e = Fails(Make("Attention", 3, 1), R(1, 1, 3, 2, 4), R(2, 1, 2, 5, 4), R(3, 1, 2, 5, 4));
        Assert.Contains("3 query heads", e.Message);
        // 3-D: hidden 12 is not a multiple of kv_num_heads 5
        Fails(Make("Attention", 3, 1, ("q_num_heads", I(3)), ("kv_num_heads", I(5))), R(1, 1, 2, 12), R(2, 1, 5, 12), R(3, 1, 5, 12));
        // 4-D shapes with head attributes that contradict them
        Fails(Make("Attention", 3, 1, ("q_num_heads", I(4))), R(1, 1, 2, 2, 4), R(2, 1, 2, 5, 4), R(3, 1, 2, 5, 4));
    }

    [Fact]
    public void Wrong_ranks_and_missing_head_attributes_fail_naming_the_node()
    {
        Fails(Make("Attention", 3, 1), R(1, 2, 4), R(2, 2, 4), R(3, 2, 4));
        Fails(Make("Attention", 3, 1), R(1, 1, 2, 2, 4), R(2, 1, 5, 8), R(3, 1, 5, 8));
        var e = Fails(Make("Attention", 3, 1), R(1, 1, 2, 8), R(2, 1, 5, 8), R(3, 1, 5, 8));
        Assert.Contains("q_num_heads", e.Message);
    }

    [Fact]
    public void Mismatched_shapes_masks_and_caches_fail_naming_the_node()
    {
        var (q, k, v) = (R(1, 1, 2, 3, 4), R(2, 1, 2, 5, 4), R(3, 1, 2, 5, 4));
        Fails(Make("Attention", 3, 1), q, R(2, 1, 2, 5, 6), v);
        Fails(Make("Attention", 3, 1), q, k, R(3, 1, 2, 6, 4));
        Fails(Make("Attention", 4, 1), q, k, v, R(4, 2, 5));
        Fails(Make("Attention", 4, 1), q, k, v, R(4, 3, 7));
        Fails(AttentionNode(["x0", "x1", "x2", "", "x3", "x4"], 1), q, k, v, R(5, 1, 2, 2, 4), R(6, 1, 2, 3, 4));
        Fails(AttentionNode(["x0", "x1", "x2", "", "x3"], 1), q, k, v, R(5, 1, 2, 2, 4));
    }

    [Fact]
    public void Grouped_causal_softcapped_attention_with_a_cache_matches_a_double_reference()
    {
        // B=2, H_q=4 over H_kv=2, S=3 new queries and keys after P=2 cached ones, D=4, D_v=3
        var (q, k, v) = (R(1, 2, 4, 3, 4), R(2, 2, 2, 3, 4), R(3, 2, 2, 3, 3));
        var (pastKey, pastValue) = (R(4, 2, 2, 2, 4), R(5, 2, 2, 2, 3));
        var mask = Tensor.Wrap(Enumerable.Range(0, 15).Select(i => i % 4 != 1).ToArray(), new Shape(3, 5));
        var node = AttentionNode(["x0", "x1", "x2", "x3", "x4", "x5"], 4, ("is_causal", I(1)), ("softcap", F(0.7f)), ("scale", F(0.9f)),
            ("qk_matmul_output_mode", I(3)));
        var outputs = Run(node, 23, q, k, v, mask, pastKey, pastValue);
        var (y, probs) = Reference(q, Cat(pastKey, k), Cat(pastValue, v), mask.ToArray<bool>(), past: 2, scale: 0.9, softcap: 0.7);
        Assert.Equal(new Shape(2, 4, 3, 3), outputs[0].Shape);
        Assert.Equal(new Shape(2, 2, 5, 4), outputs[1].Shape);
        AssertClose(y, outputs[0].ToArray<float>());
        AssertClose(probs, outputs[3].ToArray<float>());
        AssertClose(Cat(pastValue, v), outputs[2].ToArray<float>());
    }

    [Fact]
    public void A_fully_masked_row_attends_to_nothing()
    {
        var mask = Tensor.Wrap(new[] { true, true, false, false }, new Shape(2, 2));
        var y = Run(Make("Attention", 4, 1), 23, R(1, 1, 1, 2, 4), R(2, 1, 1, 2, 4), R(3, 1, 1, 2, 4), mask)[0].ToArray<float>();
        Assert.All(y[4..], value => Assert.Equal(0f, value));
        Assert.All(y[..4], value => Assert.True(float.IsFinite(value) && value != 0f));
    }

    [Fact]
    public void Gradients_flow_to_queries_keys_values_cache_and_float_mask()
    {
        var node = AttentionNode(["x0", "x1", "x2", "x3", "x4", "x5"], 1, ("is_causal", I(1)), ("softcap", F(1.5f)));
        GraphGradCheck.Check(node, 23, [0, 1, 2, 3, 4, 5], R(11, 1, 4, 2, 3), R(12, 1, 2, 2, 3), R(13, 1, 2, 2, 2),
            R(14, 2, 3), R(15, 1, 2, 1, 3), R(16, 1, 2, 1, 2));
        // 3-D packed heads, and a bool mask that blanks a whole row (its queries get no gradient)
        var packed = AttentionNode(["x0", "x1", "x2", "x3"], 1, ("q_num_heads", I(2)), ("kv_num_heads", I(1)));
        var mask = Tensor.Wrap(new[] { true, false, false, false, true, true }, new Shape(3, 2));
        GraphGradCheck.Check(packed, 23, [0, 1, 2], R(17, 2, 3, 4), R(18, 2, 2, 2), R(19, 2, 2, 3), mask);
    }

    private static float[] Cat(Tensor a, Tensor b) => Pare.Core.Ops.Assembly.Concat([a, b], 2).ToArray<float>();

    private static void AssertClose(float[] expected, float[] actual)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
            Assert.True(Math.Abs(expected[i] - actual[i]) <= Tolerance, $"element {i}: expected {expected[i]}, got {actual[i]}");
    }

    private static void AssertClose(double[] expected, float[] actual) => AssertClose(Array.ConvertAll(expected, e => (float)e), actual);

    /// <summary>softmax(softcap·tanh(scale·q·k / softcap) + mask/causal bias) · v, one query row at a time.</summary>
    private static (double[] Y, double[] Probs) Reference(Tensor qt, float[] k, float[] v, bool[] mask, int past, double scale, double softcap)
    {
        int b = qt.Shape[0], hq = qt.Shape[1], s = qt.Shape[2], d = qt.Shape[3];
        int t = past + s, hkv = k.Length / (b * t * d), dv = v.Length / (b * hkv * t), group = hq / hkv;
        var q = qt.ToArray<float>();
        var y = new double[b * hq * s * dv];
        var probs = new double[b * hq * s * t];
        for (int n = 0; n < b; n++)
        for (int h = 0; h < hq; h++)
        for (int i = 0; i < s; i++)
        {
            int kvBase = (n * hkv + h / group) * t;
            var logits = new double[t];
            for (int j = 0; j < t; j++)
            {
                double dot = 0;
                for (int e = 0; e < d; e++) dot += q[((n * hq + h) * s + i) * d + e] * (double)k[(kvBase + j) * d + e];
                bool keep = mask[i * t + j] && j <= i + past;
                logits[j] = keep ? softcap * Math.Tanh(scale * dot / softcap) : double.NegativeInfinity;
            }
            double max = logits.Max(), sum = logits.Sum(l => Math.Exp(l - max));
            int row = (n * hq + h) * s + i;
            for (int j = 0; j < t; j++)
            {
                double p = Math.Exp(logits[j] - max) / sum;
                probs[row * t + j] = p;
                for (int e = 0; e < dv; e++) y[row * dv + e] += p * v[(kvBase + j) * dv + e];
            }
        }
        return (y, probs);
    }
}
