using Pare.Core.Ops;
using Pare.Core.Random;
using Pare.Core.Tests.Support;

namespace Pare.Core.Tests.Ops;

/// <summary>gather, scatter_add, index_select, embedding, one_hot and topk: values on hand-checked cases, gradient
/// checks (repeated indices, non-contiguous inputs) and empty inputs.</summary>
public class IndexingTests
{
    private static Tensor Rand(ulong seed, params int[] shape) => Tensor.Uniform(new Shape(shape), -1f, 1f, new Rng(seed));

    private static Tensor Longs(long[] values, params int[] shape) => Tensor.FromSpan<long>(values, new Shape(shape));

    private static Tensor Iota(params int[] shape)
    {
        var s = new Shape(shape);
        return Tensor.Wrap(Enumerable.Range(0, s.ElementCount).Select(i => (float)i).ToArray(), s);
    }

    [Fact]
    public void Gather_picks_along_the_axis()
    {
        var x = Iota(2, 3);
        var index = Longs([2, 0, 1, 1], 2, 2);
        Assert.Equal([2f, 0f, 4f, 4f], Indexing.Gather(x, 1, index).ToArray<float>());
        Assert.Equal([3f, 1f], Indexing.Gather(x, 0, Tensor.FromSpan<int>([1, 0], new Shape(1, 2))).ToArray<float>());
        // A non-contiguous int32 index: (2, 2) seen transposed is [[2, 1], [0, 1]].
        var transposed = Tensor.FromSpan<int>([2, 0, 1, 1], new Shape(2, 2)).Transpose(0, 1);
        Assert.Equal([2f, 1f, 3f, 4f], Indexing.Gather(x, 1, transposed).ToArray<float>());
    }

    [Fact]
    public void Registry_holds_the_indexing_ops()
    {
        foreach (var name in new[] { "gather", "index_select", "embedding", "scatter_add", "concat", "split", "stack", "pad", "topk" })
            Assert.True(OpRegistry.All[name].Differentiable, name);
        Assert.False(OpRegistry.All["one_hot"].Differentiable);
    }

    [Fact]
    [GradCheck("gather")]
    public void Gather_gradient_sums_repeats()
    {
        var index = Longs([0, 0, 3, 2, 2, 2, 1, 0, 1], 3, 3);
        GradCheck.Check(xs => Indexing.Gather(xs[0], 1, index), [Rand(1, 3, 4)]);
        // Non-contiguous: the (4, 3) leaf seen as (3, 4).
        GradCheck.Check(xs => Indexing.Gather(xs[0].Transpose(0, 1), 1, index), [Rand(2, 4, 3)]);
        GradCheck.Check(xs => Indexing.Gather(xs[0], 0, Longs([1, 1, 0, 1], 2, 2)), [Rand(3, 2, 3)]);
    }

    [Fact]
    public void Gather_backward_accumulates_exactly()
    {
        var x = Iota(1, 3);
        x.RequiresGrad = true;
        Indexing.Gather(x, 1, Longs([1, 1, 1, 2], 1, 4)).Backward(Tensor.Ones(new Shape(1, 4)));
        Assert.Equal([0f, 3f, 1f], x.Grad!.ToArray<float>());
    }

    [Fact]
    [GradCheck("scatter_add")]
    public void Scatter_add_gradients()
    {
        var index = Longs([0, 2, 2, 1, 1, 0], 2, 3);
        GradCheck.Check(xs => Indexing.ScatterAdd(xs[0], 1, index, xs[1]), [Rand(3, 2, 4), Rand(4, 2, 3)]);
        // src larger than the index: only its leading (2, 3) block is used, the rest gets zero gradient.
        GradCheck.Check(xs => Indexing.ScatterAdd(xs[0].Transpose(0, 1), 0, index, xs[1]), [Rand(5, 4, 3), Rand(6, 3, 4)]);
    }

    [Fact]
    public void Scatter_add_sums_into_a_copy()
    {
        var x = Tensor.Zeros(new Shape(4));
        var r = Indexing.ScatterAdd(x, 0, Longs([1, 3, 1], 3), Tensor.FromSpan<float>([1f, 2f, 4f]));
        Assert.Equal([0f, 5f, 0f, 2f], r.ToArray<float>());
        Assert.Equal([0f, 0f, 0f, 0f], x.ToArray<float>());
    }

    [Fact]
    public void Index_select_copies_rows_in_index_order()
    {
        var x = Iota(3, 2);
        Assert.Equal([4f, 5f, 0f, 1f, 4f, 5f], Indexing.IndexSelect(x, 0, Longs([2, 0, 2], 3)).ToArray<float>());
        Assert.Equal([1f, 3f, 5f], Indexing.IndexSelect(x, -1, Tensor.FromSpan<int>([1])).ToArray<float>());
        var ints = Tensor.FromSpan<int>([7, 8, 9]);
        Assert.Equal([9, 7], Indexing.IndexSelect(ints, 0, Longs([2, 0], 2)).ToArray<int>());
    }

    [Fact]
    [GradCheck("index_select")]
    public void Index_select_gradients()
    {
        var index = Longs([2, 0, 2, 2], 4);
        GradCheck.Check(xs => Indexing.IndexSelect(xs[0], 1, index), [Rand(4, 2, 3, 2)]);
        GradCheck.Check(xs => Indexing.IndexSelect(xs[0].Permute(2, 0, 1), 0, index), [Rand(5, 2, 2, 3)]);
    }

    [Fact]
    public void Embedding_looks_up_rows()
    {
        var weight = Iota(4, 2);
        var y = Indexing.Embedding(Longs([3, 0, 3, 1], 2, 2), weight);
        Assert.Equal(new Shape(2, 2, 2), y.Shape);
        Assert.Equal([6f, 7f, 0f, 1f, 6f, 7f, 2f, 3f], y.ToArray<float>());
    }

    [Fact]
    [GradCheck("embedding")]
    public void Embedding_gradient_sums_repeated_indices()
    {
        var indices = Longs([1, 4, 1, 1, 0, 4], 2, 3);
        GradCheck.Check(xs => Indexing.Embedding(indices, xs[0]), [Rand(6, 5, 3)]);
        GradCheck.Check(xs => Indexing.Embedding(Tensor.FromSpan<int>([2, 2, 0]), xs[0].Transpose(0, 1)), [Rand(7, 4, 3)]);
    }

    [Fact]
    public void One_hot_is_float_and_not_recorded()
    {
        var y = Indexing.OneHot(Longs([2, 0], 2), 3);
        Assert.Equal(DType.Float32, y.DType);
        Assert.Equal([0f, 0f, 1f, 1f, 0f, 0f], y.ToArray<float>());
        Assert.False(y.RequiresGrad);
        Assert.Equal(new Shape(3, 4), Indexing.OneHot(Tensor.FromSpan<int>([3, 1, 0])).Shape);
        Assert.False(OpRegistry.All["one_hot"].Differentiable);
    }

    [Fact]
    public void TopK_breaks_ties_by_lower_index_and_ranks_nan_highest()
    {
        var x = Tensor.FromSpan<float>([1f, 3f, 3f, float.NaN, 0f, 3f]);
        var (v, i) = Indexing.TopK(x, 3);
        Assert.Equal([3L, 1L, 2L], i.ToArray<long>());
        Assert.True(float.IsNaN(v.ToArray<float>()[0]));
        var (vs, ixs) = Indexing.TopK(x, 3, largest: false);
        Assert.Equal([0f, 1f, 3f], vs.ToArray<float>());
        Assert.Equal([4L, 0L, 1L], ixs.ToArray<long>());
        var (_, unsorted) = Indexing.TopK(Tensor.FromSpan<float>([5f, 1f, 9f, 7f]), 2, sorted: false);
        Assert.Equal([2L, 3L], unsorted.ToArray<long>());
    }

    [Fact]
    [GradCheck("topk")]
    public void TopK_gradient_goes_to_the_chosen_positions()
    {
        // Values 0.1 apart: the finite-difference step (1e-2) can never change which elements are chosen.
        var perm = new[] { 7f, 2f, 11f, 0f, 5f, 9f, 3f, 10f, 1f, 8f, 4f, 6f };
        Tensor Leaf() => Tensor.FromSpan<float>(perm.Select(p => p * 0.1f).ToArray(), new Shape(3, 4));
        GradCheck.Check(xs => Indexing.TopK(xs[0], 2).Values, [Leaf()]);
        GradCheck.Check(xs => Indexing.TopK(xs[0].Transpose(0, 1), 2, axis: 0, largest: false).Values, [Leaf()]);
        GradCheck.Check(xs => Indexing.TopK(xs[0], 3, axis: 1, sorted: false).Values, [Leaf()]);
    }

    [Fact]
    public void Empty_inputs_give_empty_results()
    {
        var x = Rand(1, 2, 3);
        Assert.Equal(new Shape(2, 0), Indexing.IndexSelect(x, 1, Longs([], 0)).Shape);
        Assert.Equal(new Shape(0, 2), Indexing.Embedding(Longs([], 0), x.Transpose(0, 1)).Shape);
        Assert.Equal(new Shape(2, 0), Indexing.Gather(x, 1, Longs([], 2, 0)).Shape);
        Assert.Equal(new Shape(0, 2), Indexing.IndexSelect(Tensor.Zeros(new Shape(0, 3)), 1, Longs([2, 0], 2)).Shape);
        Assert.Equal(new Shape(0, 4), Indexing.OneHot(Longs([], 0), 4).Shape);
        var (v, i) = Indexing.TopK(x, 0);
        Assert.Equal(new Shape(2, 0), v.Shape);
        Assert.Equal(new Shape(2, 0), i.Shape);
        var leaf = Rand(2, 3, 2);
        leaf.RequiresGrad = true;
        Indexing.IndexSelect(leaf, 0, Longs([], 0)).Backward(Tensor.Zeros(new Shape(0, 2)));
        Assert.Equal(new float[6], leaf.Grad!.ToArray<float>());
    }
}
