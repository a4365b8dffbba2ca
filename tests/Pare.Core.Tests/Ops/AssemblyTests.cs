using Pare.Core.Ops;
using Pare.Core.Random;
using Pare.Core.Tests.Support;

namespace Pare.Core.Tests.Ops;

/// <summary>concat, split, stack and pad: values, gradient checks and empty parts.</summary>
public class AssemblyTests
{
    private static Tensor Rand(ulong seed, params int[] shape) => Tensor.Uniform(new Shape(shape), -1f, 1f, new Rng(seed));

    private static Tensor Iota(params int[] shape)
    {
        var s = new Shape(shape);
        return Tensor.Wrap(Enumerable.Range(0, s.ElementCount).Select(i => (float)i).ToArray(), s);
    }

    [Fact]
    public void Concat_joins_along_the_axis()
    {
        var a = Iota(2, 2);
        var b = Iota(2, 1);
        Assert.Equal([0f, 1f, 0f, 2f, 3f, 1f], Assembly.Concat([a, b], 1).ToArray<float>());
        Assert.Equal(new Shape(4, 2), Assembly.Concat([a, Tensor.Zeros(new Shape(0, 2)), a], 0).Shape);
        var ints = Assembly.Concat([Tensor.FromSpan<long>([1, 2]), Tensor.FromSpan<long>([3])], -1);
        Assert.Equal([1L, 2L, 3L], ints.ToArray<long>());
    }

    [Fact]
    [GradCheck("concat")]
    public void Concat_gradients()
    {
        GradCheck.Check(xs => Assembly.Concat(xs, 1), [Rand(1, 2, 3), Rand(2, 2, 1), Rand(3, 2, 2)]);
        GradCheck.Check(xs => Assembly.Concat([xs[0].Transpose(0, 1), xs[1]], 0), [Rand(4, 3, 2), Rand(5, 1, 3)]);
        // The same tensor twice: both gradients add up on it.
        GradCheck.Check(xs => Assembly.Concat([xs[0], xs[0]], -1), [Rand(6, 2, 2)]);
    }

    [Fact]
    public void Split_gives_views_of_the_given_sizes()
    {
        var x = Iota(2, 5);
        var parts = Assembly.Split(x, [2, 0, 3], 1);
        Assert.Equal([new Shape(2, 2), new Shape(2, 0), new Shape(2, 3)], parts.Select(p => p.Shape));
        Assert.Same(x.Storage, parts[2].Storage);
        Assert.Equal([2f, 3f, 4f, 7f, 8f, 9f], parts[2].ToArray<float>());
        Assert.Equal([3, 2, 2], Assembly.SplitInto(Iota(7), 3).Select(p => p.Count));
    }

    [Fact]
    [GradCheck("split")]
    public void Split_gradients()
    {
        // Reassembled out of order so that every part's gradient goes to a different place.
        GradCheck.Check(xs => Assembly.Concat(Assembly.Split(xs[0], [1, 2, 1], 0).Reverse().ToArray(), 0), [Rand(1, 4, 3)]);
        GradCheck.Check(xs => Assembly.Split(xs[0].Transpose(0, 1), [2, 1], 1)[0], [Rand(2, 3, 2)]);
    }

    [Fact]
    public void Stack_adds_an_axis()
    {
        var a = Iota(2);
        var b = Tensor.FromSpan<float>([5f, 6f]);
        Assert.Equal([0f, 1f, 5f, 6f], Assembly.Stack([a, b]).ToArray<float>());
        var last = Assembly.Stack([a, b], -1);
        Assert.Equal(new Shape(2, 2), last.Shape);
        Assert.Equal([0f, 5f, 1f, 6f], last.ToArray<float>());
        Assert.Equal(new Shape(3, 0), Assembly.Stack([Tensor.Zeros(new Shape(0)), Tensor.Zeros(new Shape(0)), Tensor.Zeros(new Shape(0))], 0).Shape);
    }

    [Fact]
    [GradCheck("stack")]
    public void Stack_gradients()
    {
        GradCheck.Check(xs => Assembly.Stack(xs, 1), [Rand(1, 2, 3), Rand(2, 2, 3)]);
        GradCheck.Check(xs => Assembly.Stack([xs[0].Transpose(0, 1), xs[1]], -1), [Rand(3, 3, 2), Rand(4, 2, 3)]);
    }

    [Fact]
    public void Pad_modes_on_a_row()
    {
        var x = Tensor.FromSpan<float>([1f, 2f, 3f]);
        Assert.Equal([9f, 9f, 1f, 2f, 3f, 9f], Assembly.Pad(x, [2, 1], PadMode.Constant, 9f).ToArray<float>());
        Assert.Equal([3f, 2f, 1f, 2f, 3f, 2f], Assembly.Pad(x, [2, 1], PadMode.Reflect).ToArray<float>());
        Assert.Equal([1f, 1f, 1f, 2f, 3f, 3f], Assembly.Pad(x, [2, 1], PadMode.Replicate).ToArray<float>());
        Assert.Equal([2f, 3f, 1f, 2f, 3f, 1f], Assembly.Pad(x, [2, 1], PadMode.Wrap).ToArray<float>());
        // wrap may go round more than once
        Assert.Equal([3f, 1f, 2f, 3f, 1f, 2f, 3f, 1f], Assembly.Pad(x, [4, 1], PadMode.Wrap).ToArray<float>());
        Assert.Equal([2f], Assembly.Pad(x, [-1, -1]).ToArray<float>());
        Assert.Equal([2f, 3f, 0f], Assembly.Pad(x, [-1, 1]).ToArray<float>());
        Assert.Equal(new Shape(0), Assembly.Pad(x, [-2, -1]).Shape);
    }

    [Fact]
    public void Pad_applies_pairs_from_the_last_axis()
    {
        var y = Assembly.Pad(Iota(2, 2), [0, 1, 1, 0], PadMode.Constant, -1f);
        Assert.Equal(new Shape(3, 3), y.Shape);
        Assert.Equal([-1f, -1f, -1f, 0f, 1f, -1f, 2f, 3f, -1f], y.ToArray<float>());
        var z = Assembly.Pad(Tensor.Zeros(new Shape(0, 2)), [1, 1], PadMode.Constant, 1f);
        Assert.Equal(new Shape(0, 4), z.Shape);
    }

    [Fact]
    [GradCheck("pad")]
    public void Pad_gradients()
    {
        GradCheck.Check(xs => Assembly.Pad(xs[0], [1, 2, 2, 0], PadMode.Constant, 0.5f), [Rand(1, 2, 2, 3)]);
        GradCheck.Check(xs => Assembly.Pad(xs[0], [-1, 2, 1, -1]), [Rand(2, 3, 4)]);
        GradCheck.Check(xs => Assembly.Pad(xs[0].Transpose(1, 2), [2, 1, 1, 2], PadMode.Reflect), [Rand(3, 1, 4, 3)]);
        GradCheck.Check(xs => Assembly.Pad(xs[0], [3, 2, 0, 1], PadMode.Replicate), [Rand(4, 2, 2, 2)]);
        GradCheck.Check(xs => Assembly.Pad(xs[0], [4, 2, 1, 1], PadMode.Wrap), [Rand(5, 2, 2, 3)]);
    }
}
