using Pare.Core;
using Pare.Core.Ops;
using Pare.Core.Random;
using Pare.Graph.Execution;

namespace Pare.Graph.Tests;

/// <summary>RNN, GRU and LSTM graph ops against <see cref="RecurrentReference"/> on what the ONNX node tests leave
/// out: both directions, reverse with unequal sequence lengths, layout 1, clip, non-default activations,
/// input_forget, linear_before_reset = 0; plus errors naming the node and gradients under the training executor.</summary>
public class RecurrentOpTests
{
    // float32 kernels against a double reference over a few steps of small sums
    private const float Atol = 2e-5f, Rtol = 1e-4f;

    private sealed record Case(string Kind, string Direction = "forward", int Layout = 0, bool Bias = true, int[]? Lengths = null,
        bool Initial = true, bool Peepholes = false, (string Name, float? Alpha, float? Beta)[]? Activations = null,
        float? Clip = null, bool InputForget = false, bool LinearBeforeReset = false, ulong Seed = 1, int Batch = B);

    private const int S = 4, B = 3, I = 5, H = 6;

    [Fact]
    public void LstmBidirectionalWithUnequalLengthsPeepholesAndClip() =>
        Check(new Case("LSTM", "bidirectional", Lengths: [4, 1, 3], Peepholes: true, Clip: 1.5f));

    [Fact]
    public void LstmReverseLayout1InputForget() =>
        Check(new Case("LSTM", "reverse", Layout: 1, InputForget: true, Lengths: [2, 4, 3], Seed: 2));

    [Fact]
    public void LstmOtherActivationsPerDirection() =>
        Check(new Case("LSTM", "bidirectional", Initial: false, Bias: false, Seed: 3, Activations:
        [
            ("HardSigmoid", 0.3f, 0.4f), ("ScaledTanh", 0.9f, 1.1f), ("Softsign", null, null),
            ("Sigmoid", null, null), ("Elu", 0.7f, null), ("Affine", 0.5f, 0.1f),
        ]));

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void GruBidirectionalWithUnequalLengths(bool linearBeforeReset) =>
        Check(new Case("GRU", "bidirectional", Lengths: [3, 4, 1], LinearBeforeReset: linearBeforeReset, Seed: 4));

    [Fact]
    public void GruReverseLayout1Clip() =>
        Check(new Case("GRU", "reverse", Layout: 1, Clip: 0.8f, Seed: 5,
            Activations: [("LeakyRelu", 0.2f, null), ("Softplus", null, null)]));

    [Fact]
    public void RnnBidirectionalLayout1WithActivations() =>
        Check(new Case("RNN", "bidirectional", Layout: 1, Lengths: [1, 4, 2], Seed: 6,
            Activations: [("Relu", null, null), ("ThresholdedRelu", 0.1f, null)]));

    // a batch past RecurrentNode.RowDotsBatch (Rᵀ and the small-m GEMM; S·B past the row-dot projection) and batch 1
    // (the streaming case: R and W multiplied as stored)
    [Theory]
    [InlineData("LSTM", 1)]
    [InlineData("LSTM", 6)]
    [InlineData("GRU", 1)]
    [InlineData("GRU", 6)]
    [InlineData("RNN", 6)]
    public void LargeAndSingleBatches(string kind, int batch) =>
        Check(new Case(kind, "bidirectional", Initial: batch > 1, Batch: batch, Seed: 9));

    [Fact]
    public void WrongWeightShapeFailsNamingTheNode()
    {
        var rng = new Rng(7);
        var model = Model("LSTM", n => n.Attributes.Set("hidden_size", AttributeValue.Of(H)),
            ("W", Tensor.Normal([1, 4 * H, I + 1], 0, 1, rng)), ("R", Tensor.Normal([1, 4 * H, H], 0, 1, rng)));
        var e = Assert.Throws<GraphException>(() => new InferenceSession(model).Run([Tensor.Normal([S, B, I], 0, 1, rng)]));
        Assert.Contains("'rnn'", e.Message);
        Assert.Contains("W must have shape [1, 24, 5]", e.Message);
    }

    [Fact]
    public void UnknownActivationIsUnsupported()
    {
        var rng = new Rng(8);
        var model = Model("RNN", n => n.Attributes.Set("activations", AttributeValue.Of(["Swish"])),
            ("W", Tensor.Normal([1, H, I], 0, 1, rng)), ("R", Tensor.Normal([1, H, H], 0, 1, rng)));
        var e = Assert.Throws<UnsupportedOpException>(() => new InferenceSession(model).Run([Tensor.Normal([S, B, I], 0, 1, rng)]));
        Assert.Contains("'Swish'", e.Message);
    }

    [Fact]
    public void LstmWeightGradientsMatchFiniteDifferences()
    {
        var rng = new Rng(9);
        Tensor w = Tensor.Normal([2, 4 * H, I], 0, 0.5f, rng), r = Tensor.Normal([2, 4 * H, H], 0, 0.5f, rng), b = Tensor.Normal([2, 8 * H], 0, 0.5f, rng);
        var x = Tensor.Normal([S, B, I], 0, 1, rng);
        var probe = Tensor.Normal([S, 2, B, H], 0, 1, rng); // loss = Σ probe⊙Y, so every output element counts
        var setDirection = (Node n) => n.Attributes.Set("direction", AttributeValue.Of("bidirectional"));

        var session = new TrainingSession(Model("LSTM", setDirection, ("W", w.Clone()), ("R", r.Clone()), ("B", b.Clone())));
        Reduce.Sum(Elementwise.Mul(session.Forward([x])[0], probe)).Backward();

        foreach (var (name, value) in new[] { ("W", w), ("R", r), ("B", b) })
        {
            var grad = session.Parameters[name].Grad!.ToArray<float>();
            var data = value.ToArray<float>();
            foreach (int k in new[] { 0, 7, data.Length / 2, data.Length - 1 })
            {
                double Loss(float delta)
                {
                    var shifted = (float[])data.Clone();
                    shifted[k] += delta;
                    var inputs = new List<(string, Tensor?)> { ("W", w), ("R", r), ("B", b) };
                    inputs[inputs.FindIndex(p => p.Item1 == name)] = (name, Tensor.Wrap(shifted, value.Shape));
                    var y = new InferenceSession(Model("LSTM", setDirection, [.. inputs])).Run([x])[0];
                    return y.ToArray<float>().Zip(probe.ToArray<float>(), (a, p) => (double)a * p).Sum();
                }
                const float Eps = 1e-2f;
                double numeric = (Loss(Eps) - Loss(-Eps)) / (2 * Eps);
                Assert.True(Math.Abs(numeric - grad[k]) <= 2e-3 + 2e-3 * Math.Abs(numeric), $"d{name}[{k}]: {grad[k]} vs finite difference {numeric}");
            }
        }
    }

    private static void Check(Case k)
    {
        var rng = new Rng(k.Seed);
        int batch = k.Batch; // batches up to RecurrentNode.RowDotsBatch multiply R as stored, larger ones by Rᵀ
        int g = k.Kind switch { "RNN" => 1, "GRU" => 3, _ => 4 };
        bool[] reverse = k.Direction switch { "forward" => [false], "reverse" => [true], _ => [false, true] };
        int d = reverse.Length;
        var x = Tensor.Normal([S, batch, I], 0, 1, rng);
        var w = Tensor.Normal([d, g * H, I], 0, 0.5f, rng);
        var r = Tensor.Normal([d, g * H, H], 0, 0.5f, rng);
        var bias = k.Bias ? Tensor.Normal([d, 2 * g * H], 0, 0.5f, rng) : null;
        var h0 = k.Initial ? Tensor.Normal([d, batch, H], 0, 0.5f, rng) : null;
        var c0 = k.Initial && g == 4 ? Tensor.Normal([d, batch, H], 0, 0.5f, rng) : null;
        var p = k.Peepholes ? Tensor.Normal([d, 3 * H], 0, 0.5f, rng) : null;
        var defaults = k.Kind switch { "RNN" => new[] { "Tanh" }, "GRU" => ["Sigmoid", "Tanh"], _ => ["Sigmoid", "Tanh", "Tanh"] };
        var acts = k.Activations ?? Enumerable.Range(0, d).SelectMany(_ => defaults.Select(n => (n, (float?)null, (float?)null))).ToArray();

        var reference = new RecurrentReference
        {
            Kind = k.Kind, S = S, B = batch, I = I, H = H, Reverse = reverse,
            X = x.ToArray<float>(), W = w.ToArray<float>(), R = r.ToArray<float>(), Bias = bias?.ToArray<float>(),
            Lengths = k.Lengths, H0 = h0?.ToArray<float>(), C0 = c0?.ToArray<float>(), P = p?.ToArray<float>(),
            Activations = acts.Select(a => (a.Name, (double)(a.Alpha ?? DefaultAlpha(a.Name)), (double)(a.Beta ?? DefaultBeta(a.Name)))).ToArray(),
            Clip = k.Clip, InputForget = k.InputForget, LinearBeforeReset = k.LinearBeforeReset,
        };
        var (yRef, yhRef, ycRef) = reference.Run();

        Tensor? Layout1(Tensor? t) => t is null || k.Layout == 0 ? t : t.Transpose(0, 1).Contiguous();
        Model Build() => Model(k.Kind, n =>
            {
                var a = n.Attributes;
                a.Set("direction", AttributeValue.Of(k.Direction));
                a.Set("hidden_size", AttributeValue.Of(H));
                if (k.Layout != 0) a.Set("layout", AttributeValue.Of(k.Layout));
                if (k.Clip is { } clip) a.Set("clip", AttributeValue.Of(clip));
                if (k.InputForget) a.Set("input_forget", AttributeValue.Of(1));
                if (k.LinearBeforeReset) a.Set("linear_before_reset", AttributeValue.Of(1));
                if (k.Activations is { } list)
                {
                    a.Set("activations", AttributeValue.Of(list.Select(v => v.Name).ToArray()));
                    a.Set("activation_alpha", AttributeValue.Of(list.Where(v => v.Alpha.HasValue).Select(v => v.Alpha!.Value).ToArray()));
                    a.Set("activation_beta", AttributeValue.Of(list.Where(v => v.Beta.HasValue).Select(v => v.Beta!.Value).ToArray()));
                }
            },
            ("W", w.Clone()), ("R", r.Clone()), ("B", bias?.Clone()), ("sequence_lens", k.Lengths is null ? null : Tensor.FromSpan<int>(k.Lengths)),
            ("initial_h", Layout1(h0)), ("initial_c", Layout1(c0)), ("P", p?.Clone()));

        // both executors: the inference one runs the fused span cells, the training one the Core-op cells
        foreach (var (path, outputs) in new[]
                 {
                     ("inference", new InferenceSession(Build()).Run([Layout1(x)!])),
                     ("training", new TrainingSession(Build()).Forward([Layout1(x)!])),
                 })
        {
            // back to layout 0 to compare: Y (B, S, D, H) → (S, D, B, H), states (B, D, H) → (D, B, H)
            var y = k.Layout == 0 ? outputs[0] : outputs[0].Permute(1, 2, 0, 3);
            Near(yRef, y.ToArray<float>(), $"{path} Y");
            Near(yhRef, Layout1(outputs[1])!.ToArray<float>(), $"{path} Y_h");
            if (g == 4) Near(ycRef, Layout1(outputs[2])!.ToArray<float>(), $"{path} Y_c");
        }
    }

    private static float DefaultAlpha(string name) => name switch
    {
        "LeakyRelu" => 0.01f, "HardSigmoid" => 0.2f, "ThresholdedRelu" or "ScaledTanh" or "Elu" or "Affine" => 1f, _ => 0f,
    };

    private static float DefaultBeta(string name) => name switch { "HardSigmoid" => 0.5f, "ScaledTanh" => 1f, _ => 0f };

    private static void Near(float[] expected, float[] actual, string what)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
            Assert.True(Math.Abs(actual[i] - expected[i]) <= Atol + Rtol * Math.Abs(expected[i]), $"{what}[{i}]: {actual[i]} vs reference {expected[i]}");
    }

    /// <summary>One recurrent node named 'rnn' over graph input X; the other inputs are initializers (null = omitted).</summary>
    private static Model Model(string op, Action<Node> attributes, params (string Name, Tensor? Value)[] inputs)
    {
        var g = new ModelGraph { Name = "recurrent" };
        g.Inputs.Add(new ValueInfo("X", ElementType.Float, null));
        var names = new List<string> { "X" };
        foreach (var (name, value) in inputs)
        {
            names.Add(value is null ? "" : name);
            if (value is not null) g.Initializers[name] = value;
        }
        while (names[^1].Length == 0) names.RemoveAt(names.Count - 1);
        string[] outputs = op == "LSTM" ? ["Y", "Y_h", "Y_c"] : ["Y", "Y_h"];
        var node = new Node("rnn", op, names, outputs);
        attributes(node);
        g.Nodes.Add(node);
        foreach (var o in outputs) g.Outputs.Add(new ValueInfo(o, ElementType.Float, null));
        return new Model(g);
    }
}
