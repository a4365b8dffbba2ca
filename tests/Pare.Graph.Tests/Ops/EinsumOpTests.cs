using Pare.Core;
using Pare.Core.Random;
using static Pare.Graph.Tests.Ops.OneNode;

namespace Pare.Graph.Tests.Ops;

public class EinsumOpTests
{
    // float32 sums of a handful of products; relative
    private const float Tol = 1e-5f;

    private static Tensor Rand(ulong seed, params int[] shape) => Tensor.Uniform(new Shape(shape), -1f, 1f, new Rng(seed));

    private static Tensor Einsum(string equation, params Tensor[] xs) =>
        Run(Make("Einsum", xs.Length, 1, ("equation", S(equation))), 12, xs)[0];

    private static void Close(Tensor expected, Tensor actual)
    {
        Assert.Equal(expected.Shape, actual.Shape);
        var e = expected.ToArray<float>();
        var a = actual.ToArray<float>();
        for (int i = 0; i < e.Length; i++) Assert.True(Math.Abs(e[i] - a[i]) <= Tol * (1 + Math.Abs(e[i])), $"element {i}: {a[i]} vs {e[i]}");
    }

    [Fact]
    public void Batch_matmul_matches_a_naive_loop()
    {
        var a = Rand(1, 2, 3, 4);
        var b = Rand(2, 2, 4, 5);
        var y = Einsum("bij, bjk -> bik", a, b);
        var av = a.ToArray<float>();
        var bv = b.ToArray<float>();
        var want = new float[2 * 3 * 5];
        for (int n = 0; n < 2; n++)
            for (int i = 0; i < 3; i++)
                for (int k = 0; k < 5; k++)
                {
                    double s = 0;
                    for (int j = 0; j < 4; j++) s += av[(n * 3 + i) * 4 + j] * bv[(n * 4 + j) * 5 + k];
                    want[(n * 3 + i) * 5 + k] = (float)s;
                }
        Close(Tensor.Wrap(want, new Shape(2, 3, 5)), y);
    }

    [Fact]
    public void Single_operand_forms()
    {
        var x = Tensor.FromSpan<float>([1f, 2f, 3f, 4f, 5f, 6f], new Shape(2, 3));
        Close(Tensor.FromSpan<float>([6f, 15f]), Einsum("ij->i", x));
        Close(Tensor.FromSpan<float>([1f, 4f, 2f, 5f, 3f, 6f], new Shape(3, 2)), Einsum("ij->ji", x));
        Close(Tensor.FromSpan<float>([1f, 4f, 2f, 5f, 3f, 6f], new Shape(3, 2)), Einsum("ba", x));
        Close(Tensor.Scalar(21f), Einsum("ij->", x));
        var sq = Tensor.FromSpan<float>([1f, 2f, 3f, 4f, 5f, 6f, 7f, 8f], new Shape(2, 2, 2));
        Close(Tensor.FromSpan<float>([1f, 4f, 5f, 8f], new Shape(2, 2)), Einsum("...ii->...i", sq));
    }

    [Fact]
    public void Inner_and_outer_products_and_three_operands()
    {
        var u = Tensor.FromSpan<float>([1f, 2f, 3f]);
        var v = Tensor.FromSpan<float>([4f, 5f, 6f]);
        Close(Tensor.Scalar(32f), Einsum("i,i", u, v));
        Close(Tensor.FromSpan<float>([4f, 5f, 6f, 8f, 10f, 12f, 12f, 15f, 18f], new Shape(3, 3)), Einsum("i,j->ij", u, v));
        var m = Tensor.FromSpan<float>([1f, 0f, 0f, 0f, 2f, 0f, 0f, 0f, 3f], new Shape(3, 3));
        // u·diag(1,2,3)·v = 4 + 20 + 54
        Close(Tensor.Scalar(78f), Einsum("i,ij,j->", u, m, v));
    }

    [Fact]
    public void Gradient_flows_to_both_operands()
    {
        var a = Rand(3, 2, 3);
        var b = Rand(4, 3, 2);
        a.RequiresGrad = true;
        b.RequiresGrad = true;
        var y = RunTraining(Make("Einsum", 2, 1, ("equation", S("ij,jk->ik"))), 12, a, b)[0];
        Pare.Core.Ops.Reduce.Sum(y).Backward();
        // d Σ(AB) / dA[i, j] = Σ_k B[j, k]
        var bv = b.ToArray<float>();
        var ga = a.Grad!.ToArray<float>();
        for (int i = 0; i < 2; i++)
            for (int j = 0; j < 3; j++)
                Assert.Equal(bv[j * 2] + bv[j * 2 + 1], ga[i * 3 + j], 5);
        Assert.NotNull(b.Grad);
    }

    [Fact]
    public void Mismatched_sizes_fail_naming_the_node()
    {
        var e = Assert.Throws<GraphException>(() => Einsum("ij,jk->ik", Rand(1, 2, 3), Rand(2, 4, 2)));
        Assert.Contains("n0", e.Message);
        Assert.Contains("'j'", e.Message);
    }
}
