using Pare.Core.Ops;
using Pare.Core.Random;
using Pare.Core.Tests.Support;

namespace Pare.Core.Tests.Ops;

public class LinalgTests
{
    [Fact]
    [GradCheck("matmul")]
    public void MatMul_gradients_2d_and_vectors()
    {
        var rng = new Rng(1);
        GradCheck.Check(xs => Linalg.MatMul(xs[0], xs[1]), [Tensor.Normal([3, 4], 0, 1, rng), Tensor.Normal([4, 5], 0, 1, rng)]);
        GradCheck.Check(xs => Linalg.MatMul(xs[0], xs[1]), [Tensor.Normal([6], 0, 1, rng), Tensor.Normal([6], 0, 1, rng)]);
        GradCheck.Check(xs => Linalg.MatMul(xs[0], xs[1]), [Tensor.Normal([4], 0, 1, rng), Tensor.Normal([4, 3], 0, 1, rng)]);
        GradCheck.Check(xs => Linalg.MatMul(xs[0], xs[1]), [Tensor.Normal([3, 4], 0, 1, rng), Tensor.Normal([4], 0, 1, rng)]);
    }

    [Fact]
    [GradCheck("matmul")]
    public void MatMul_gradients_batched_with_broadcast()
    {
        var rng = new Rng(2);
        GradCheck.Check(xs => Linalg.MatMul(xs[0], xs[1]), [Tensor.Normal([2, 3, 4], 0, 1, rng), Tensor.Normal([4, 2], 0, 1, rng)]);
        GradCheck.Check(xs => Linalg.MatMul(xs[0], xs[1]), [Tensor.Normal([2, 1, 2, 3], 0, 1, rng), Tensor.Normal([3, 3, 2], 0, 1, rng)]);
        GradCheck.Check(xs => Linalg.MatMul(xs[0], xs[1]), [Tensor.Normal([3], 0, 1, rng), Tensor.Normal([2, 3, 2], 0, 1, rng)]);
        GradCheck.Check(xs => Linalg.MatMul(xs[0], xs[1]), [Tensor.Normal([2, 2, 3], 0, 1, rng), Tensor.Normal([3], 0, 1, rng)]);
    }

    [Fact]
    [GradCheck("matmul")]
    public void MatMul_gradients_through_transposed_views()
    {
        var rng = new Rng(3);
        GradCheck.Check(xs => Linalg.MatMul(xs[0].Transpose(0, 1), xs[1].Transpose(0, 1)),
            [Tensor.Normal([4, 3], 0, 1, rng), Tensor.Normal([5, 4], 0, 1, rng)]);
        GradCheck.Check(xs => Linalg.MatMul(xs[0].Transpose(1, 2), xs[1]),
            [Tensor.Normal([2, 4, 3], 0, 1, rng), Tensor.Normal([2, 4, 2], 0, 1, rng)]);
        GradCheck.Check(xs => Linalg.MatMul(xs[0].Slice(1, 0, 6, 2), xs[1]),
            [Tensor.Normal([3, 6], 0, 1, rng), Tensor.Normal([3, 2], 0, 1, rng)]);
    }

    [Fact]
    public void MatMul_matches_pytorch_values_and_gradients()
    {
        foreach (var c in Fixture.Load("linalg.json"))
        {
            var a = c.Inputs["a"].ToTensor();
            var b = c.Inputs["b"].ToTensor();
            a.RequiresGrad = true;
            b.RequiresGrad = true;
            var output = Linalg.MatMul(a, b);
            Fixture.AssertClose(c.Output, output, c.Name);
            output.Backward(c.GradWeight!.ToTensor());
            Fixture.AssertClose(c.Grads!["a"], a.Grad!, $"{c.Name} dA");
            Fixture.AssertClose(c.Grads!["b"], b.Grad!, $"{c.Name} dB");
        }
    }

    [Fact]
    public void Weight_used_through_a_transpose_gets_the_reference_gradient()
    {
        // y = x·Wᵀ as Linear does it: the backward computes dWᵀ in W's own layout (a separate branch of matmul's backward)
        var rng = new Rng(5);
        var x = Tensor.Normal([3, 5, 4], 0, 1, rng);
        foreach (var input in new[] { x, x.Reshape(15, 4) })
        {
            var w = Tensor.Normal([6, 4], 0, 1, rng);
            w.RequiresGrad = true;
            var dy = Tensor.Normal([.. input.Shape.Dims[..^1], 6], 0, 1, rng);
            Linalg.MatMul(input, w.Transpose(0, 1)).Backward(dy);
            // reference: dW = dyᵀ·x over all rows, from copies
            var expected = Linalg.MatMul(dy.Reshape(-1, 6).Transpose(0, 1).Contiguous(), input.Reshape(-1, 4)).ToArray<float>();
            var actual = w.Grad!.ToArray<float>();
            for (int i = 0; i < expected.Length; i++) Assert.Equal(expected[i], actual[i], 5);
        }
    }

    [Fact]
    public void Transposed_view_gives_the_same_result_as_a_copy()
    {
        var rng = new Rng(4);
        var a = Tensor.Normal([37, 29], 0, 1, rng);
        var b = Tensor.Normal([41, 37], 0, 1, rng);
        var viaViews = Linalg.MatMul(a.Transpose(0, 1), b.Transpose(0, 1)).ToArray<float>();
        var viaCopies = Linalg.MatMul(a.Transpose(0, 1).Contiguous(), b.Transpose(0, 1).Contiguous()).ToArray<float>();
        Assert.Equal(viaCopies, viaViews);
    }

    [Fact]
    public void Empty_dimensions_give_empty_or_zero_results()
    {
        var c = Linalg.MatMul(Tensor.Zeros([0, 3]), Tensor.Ones([3, 4]));
        Assert.Equal(new[] { 0, 4 }, c.Shape.Dims.ToArray());
        var z = Linalg.MatMul(Tensor.Ones([2, 0]), Tensor.Ones([0, 3]));
        Assert.Equal(new[] { 2, 3 }, z.Shape.Dims.ToArray());
        Assert.All(z.ToArray<float>(), v => Assert.Equal(0f, v));
    }

    [Fact]
    public void Bad_inputs_throw_naming_the_shapes()
    {
        var e = Assert.Throws<ArgumentException>(() => Linalg.MatMul(Tensor.Zeros([2, 3]), Tensor.Zeros([4, 5])));
        Assert.Contains("(2, 3)", e.Message);
        Assert.Contains("(4, 5)", e.Message);
        e = Assert.Throws<ArgumentException>(() => Linalg.MatMul(Tensor.Zeros([2, 2, 3]), Tensor.Zeros([3, 3, 5])));
        Assert.Contains("(2, 2, 3)", e.Message);
        Assert.Contains("(3, 3, 5)", e.Message);
        e = Assert.Throws<ArgumentException>(() => Linalg.MatMul(Tensor.Scalar(1f), Tensor.Zeros([3])));
        Assert.Contains("(3,)", e.Message);
    }
}
