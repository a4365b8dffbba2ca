using Pare.Core;
using Pare.Core.Random;
using static Pare.Graph.Tests.Ops.OneNode;

namespace Pare.Graph.Tests.Ops;

/// <summary>RotaryEmbedding against a plain loop reference, its gradients, and its input checks.</summary>
public class RotaryEmbeddingOpTests
{
    // a product and a sum in float32 on values of order one
    private const float Tolerance = 1e-6f;

    private static Tensor R(ulong seed, params int[] shape) => Tensor.Uniform(new Shape(shape), -1f, 1f, new Rng(seed));

    private static readonly Tensor Positions = Tensor.FromSpan<long>([0, 3, 1, 2, 2, 0], new Shape(2, 3));

    [Theory]
    [InlineData(false, 0)]
    [InlineData(true, 0)]
    [InlineData(false, 4)]
    [InlineData(true, 4)]
    public void Rotates_pairs_of_features_by_the_cached_angles(bool interleaved, int rotaryDim)
    {
        // X (B=2, H=2, S=3, D=6), caches of 4 positions × 3 angles
        var (x, cos, sin) = (R(1, 2, 2, 3, 6), R(2, 4, 3), R(3, 4, 3));
        var node = Make("RotaryEmbedding", 4, 1, ("interleaved", I(interleaved ? 1 : 0)), ("rotary_embedding_dim", I(rotaryDim)));
        var y = Run(node, 23, x, cos, sin, Positions)[0];
        Assert.Equal(x.Shape, y.Shape);
        var expected = Reference(x.ToArray<float>(), cos.ToArray<float>(), sin.ToArray<float>(), interleaved, rotaryDim == 0 ? 6 : rotaryDim);
        var actual = y.ToArray<float>();
        for (int i = 0; i < expected.Length; i++) Assert.True(Math.Abs(expected[i] - actual[i]) <= Tolerance, $"element {i}: {expected[i]} vs {actual[i]}");
    }

    [Fact]
    public void Packed_heads_match_the_four_dimensional_layout()
    {
        // (B, S, H·D) with num_heads is (B, H, S, D) transposed
        var x = R(4, 2, 2, 3, 6);
        var (cos, sin) = (R(5, 4, 3), R(6, 4, 3));
        var four = Run(Make("RotaryEmbedding", 4, 1), 23, x, cos, sin, Positions)[0];
        var packed = x.Permute(0, 2, 1, 3).Contiguous().Reshape(2, 3, 12);
        var three = Run(Make("RotaryEmbedding", 4, 1, ("num_heads", I(2))), 23, packed, cos, sin, Positions)[0];
        Assert.Equal(four.Permute(0, 2, 1, 3).Contiguous().Reshape(2, 3, 12).ToArray<float>(), three.ToArray<float>());
    }

    [Fact]
    public void Gradients_flow_to_the_input_and_both_caches()
    {
        GraphGradCheck.Check(Make("RotaryEmbedding", 4, 1, ("interleaved", I(1)), ("rotary_embedding_dim", I(4))), 23, [0, 1, 2],
            R(7, 2, 1, 3, 6), R(8, 4, 3), R(9, 4, 3), Positions);
        // without position ids the caches are (B, S, D/2) already
        GraphGradCheck.Check(Make("RotaryEmbedding", 3, 1), 23, [0, 1, 2], R(10, 1, 2, 3, 4), R(11, 1, 3, 2), R(12, 1, 3, 2));
    }

    [Fact]
    public void Bad_dimensions_and_positions_fail_naming_the_node()
    {
        var (x, cos, sin) = (R(1, 2, 2, 3, 6), R(2, 4, 3), R(3, 4, 3));
        void Fails(Node node, params Tensor[] inputs) => Assert.Contains("n0", Assert.Throws<GraphException>(() => Run(node, 23, inputs)).Message);
        Fails(Make("RotaryEmbedding", 4, 1, ("rotary_embedding_dim", I(3))), x, cos, sin, Positions);
        Fails(Make("RotaryEmbedding", 4, 1), x, cos, sin, Tensor.FromSpan<long>([0, 1, 2, 3, 4, 0], new Shape(2, 3)));
        Fails(Make("RotaryEmbedding", 4, 1), R(4, 2, 3, 12), cos, sin, Positions);
        Fails(Make("RotaryEmbedding", 4, 1), x, R(5, 4, 2), R(6, 4, 2), Positions);
    }

    /// <summary>y[b, h, s, :] from x[b, h, s, :] and the angles of position_ids[b, s], in double.</summary>
    private static float[] Reference(float[] x, float[] cos, float[] sin, bool interleaved, int rotary)
    {
        const int B = 2, H = 2, S = 3, D = 6, Width = 3;
        var positions = Positions.ToArray<long>();
        var y = (float[])x.Clone();
        int half = rotary / 2;
        for (int b = 0; b < B; b++)
        for (int h = 0; h < H; h++)
        for (int s = 0; s < S; s++)
        {
            int row = ((b * H + h) * S + s) * D;
            long p = positions[b * S + s];
            for (int k = 0; k < half; k++)
            {
                int i1 = interleaved ? 2 * k : k, i2 = interleaved ? 2 * k + 1 : k + half;
                double c = cos[p * Width + k], sn = sin[p * Width + k], x1 = x[row + i1], x2 = x[row + i2];
                y[row + i1] = (float)(c * x1 - sn * x2);
                y[row + i2] = (float)(sn * x1 + c * x2);
            }
        }
        return y;
    }
}
