using Pare.Core.Random;
using Pare.Core.Tests.Support;

namespace Pare.Core.Tests;

public class TensorViewTests
{
    private static Tensor Iota(params int[] shape)
    {
        var s = new Shape(shape);
        return Tensor.Wrap(Enumerable.Range(0, s.ElementCount).Select(i => (float)i).ToArray(), s);
    }

    [Fact]
    public void Permute_is_a_view_with_permuted_strides()
    {
        var x = Iota(2, 3, 4);
        var p = x.Permute(2, 0, 1);
        Assert.Same(x.Storage, p.Storage);
        Assert.Equal(new Shape(4, 2, 3), p.Shape);
        Assert.False(p.IsContiguous);
        Assert.Equal(x[1, 2, 3], p[3, 1, 2]);
        var c = p.Contiguous();
        Assert.True(c.IsContiguous);
        Assert.Equal(x[0, 1, 2], c.AsSpan<float>()[2 * 6 + 0 * 3 + 1]);
    }

    [Fact]
    public void Slice_with_step_and_negative_bounds()
    {
        var x = Iota(10);
        Assert.Equal([2f, 5f, 8f], x.Slice(0, 2, 10, 3).ToArray<float>());
        Assert.Equal([7f, 8f], x.Slice(0, -3, -1).ToArray<float>());
        Assert.Empty(x.Slice(0, 5, 2).ToArray<float>());
        Assert.Throws<ArgumentException>(() => x.Slice(0, 0, 5, 0));
    }

    [Fact]
    public void Expand_uses_zero_strides_and_rejects_bad_targets()
    {
        var x = Iota(3, 1);
        var e = x.Expand(2, 3, 4);
        Assert.Same(x.Storage, e.Storage);
        Assert.Equal(0, e.Strides[0]);
        Assert.Equal(0, e.Strides[2]);
        Assert.Equal(2f, e[1, 2, 3]);
        var err = Assert.Throws<ArgumentException>(() => x.Expand(2, 4));
        Assert.Contains("(3, 1)", err.Message);
    }

    [Fact]
    public void Reshape_infers_and_copies_non_contiguous_input()
    {
        var x = Iota(2, 3);
        Assert.Equal(new Shape(3, 2), x.Reshape(-1, 2).Shape);
        var t = x.Transpose(0, 1).Reshape(6);
        Assert.Equal([0f, 3f, 1f, 4f, 2f, 5f], t.ToArray<float>());
        Assert.Throws<ArgumentException>(() => x.Reshape(4, -1));
        Assert.Throws<ArgumentException>(() => x.Reshape(-1, -1));
    }

    [Fact]
    public void Squeeze_and_unsqueeze()
    {
        var x = Iota(1, 3, 1);
        Assert.Equal(new Shape(3), x.Squeeze().Shape);
        Assert.Equal(new Shape(3, 1), x.Squeeze(0).Shape);
        Assert.Throws<ArgumentException>(() => x.Squeeze(1));
        Assert.Equal(new Shape(1, 3, 1, 1), x.Unsqueeze(-1).Shape);
        Assert.Equal(new Shape(1, 1, 3, 1), x.Unsqueeze(1).Shape);
        Assert.ThrowsAny<ArgumentException>(() => x.Unsqueeze(5));
    }

    [Fact]
    public void Index_out_of_range_is_an_argument_exception()
    {
        var x = Iota(2, 3);
        Assert.ThrowsAny<ArgumentException>(() => x[2, 0]);
        Assert.ThrowsAny<ArgumentException>(() => x[0]);
        Assert.Equal(5f, x[-1, -1]);
    }

    [Fact]
    [GradCheck("reshape", "permute", "contiguous")]
    public void Reshape_and_permute_gradients()
    {
        var rng = new Rng(3);
        GradCheck.Check(xs => xs[0].Permute(1, 2, 0).Contiguous().Reshape(4, -1), [Tensor.Normal([2, 3, 4], 0, 1, rng)]);
        GradCheck.Check(xs => xs[0].Transpose(0, 1).Reshape(12), [Tensor.Normal([3, 4], 0, 1, rng)]);
    }

    [Fact]
    [GradCheck("slice")]
    public void Slice_gradient()
    {
        var rng = new Rng(4);
        GradCheck.Check(xs => xs[0].Slice(1, 1, 6, 2), [Tensor.Normal([3, 7], 0, 1, rng)]);
        GradCheck.Check(xs => xs[0].Transpose(0, 1).Slice(0, -2, 10), [Tensor.Normal([3, 7], 0, 1, rng)]);
    }

    [Fact]
    [GradCheck("expand")]
    public void Expand_gradient_sums_broadcast_dimensions()
    {
        var rng = new Rng(5);
        GradCheck.Check(xs => xs[0].Expand(2, 3, 4), [Tensor.Normal([3, 1], 0, 1, rng)]);
        GradCheck.Check(xs => xs[0].Slice(0, 0, 2).Expand(5, 2, 3), [Tensor.Normal([4, 3], 0, 1, rng)]);
    }

    [Fact]
    [GradCheck("squeeze", "unsqueeze")]
    public void Squeeze_unsqueeze_gradients()
    {
        var rng = new Rng(6);
        GradCheck.Check(xs => xs[0].Squeeze(0).Unsqueeze(2), [Tensor.Normal([1, 3, 2], 0, 1, rng)]);
    }
}
