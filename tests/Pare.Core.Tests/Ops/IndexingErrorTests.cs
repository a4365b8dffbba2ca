using Pare.Core.Ops;

namespace Pare.Core.Tests.Ops;

/// <summary>Bad inputs to the indexing and assembly ops: each is rejected before any kernel runs, with the
/// exception type and a message naming the offending value, axis and shapes.</summary>
public class IndexingErrorTests
{
    private static Tensor X(params int[] shape) => Tensor.Zeros(new Shape(shape));

    private static Tensor Longs(params long[] values) => Tensor.FromSpan<long>(values);

    [Fact]
    public void Out_of_range_index_names_value_axis_and_size()
    {
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => Indexing.IndexSelect(X(2, 3), 1, Longs(0, 3)));
        Assert.Contains("index 3", e.Message);
        Assert.Contains("axis 1", e.Message);
        Assert.Contains("size 3", e.Message);

        e = Assert.Throws<ArgumentOutOfRangeException>(() => Indexing.Embedding(Tensor.FromSpan<int>([1, 9]), X(5, 2)));
        Assert.Contains("index 9", e.Message);
        Assert.Contains("axis 0", e.Message);
        Assert.Contains("size 5", e.Message);

        e = Assert.Throws<ArgumentOutOfRangeException>(() => Indexing.Gather(X(2, 4), -1, Tensor.FromSpan<long>([0, 4], new Shape(1, 2))));
        Assert.Contains("index 4", e.Message);
        Assert.Contains("axis -1", e.Message);
        Assert.Contains("size 4", e.Message);

        e = Assert.Throws<ArgumentOutOfRangeException>(() => Indexing.OneHot(Longs(0, 5), 3));
        Assert.Contains("index 5", e.Message);
        Assert.Contains("size 3", e.Message);

        e = Assert.Throws<ArgumentOutOfRangeException>(() => Indexing.ScatterAdd(X(3), 0, Longs(7), X(1)));
        Assert.Contains("index 7", e.Message);
    }

    [Fact]
    public void Negative_indices_are_rejected_like_pytorch()
    {
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => Indexing.IndexSelect(X(4), 0, Longs(-1)));
        Assert.Contains("index -1", e.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => Indexing.Gather(X(4), 0, Tensor.FromSpan<int>([-2])));
        Assert.Throws<ArgumentOutOfRangeException>(() => Indexing.Embedding(Longs(-1), X(3, 2)));
    }

    [Fact]
    public void Index_of_a_non_integer_dtype_is_rejected()
    {
        var e = Assert.Throws<ArgumentException>(() => Indexing.IndexSelect(X(3), 0, Tensor.FromSpan<float>([0f])));
        Assert.Contains("float32", e.Message);
        Assert.Contains("int64", e.Message);
        Assert.Throws<ArgumentException>(() => Indexing.Gather(X(3), 0, Tensor.FromSpan<byte>([0])));
        Assert.Throws<ArgumentException>(() => Indexing.Embedding(Tensor.FromSpan<float>([0f]), X(3, 2)));
        Assert.Throws<ArgumentException>(() => Indexing.OneHot(Tensor.FromSpan<bool>([true]), 2));
        Assert.Throws<ArgumentException>(() => Indexing.ScatterAdd(X(3), 0, Tensor.FromSpan<sbyte>([0]), X(1)));
    }

    [Fact]
    public void Gather_index_shape_must_fit_the_data()
    {
        var e = Assert.Throws<ArgumentException>(() => Indexing.Gather(X(2, 3), 1, Tensor.Zeros(new Shape(3, 1), DType.Int64)));
        Assert.Contains("(3, 1)", e.Message);
        Assert.Contains("(2, 3)", e.Message);
        Assert.Contains("axis 0", e.Message);
        e = Assert.Throws<ArgumentException>(() => Indexing.Gather(X(2, 3), 1, Longs(0)));
        Assert.Contains("rank", e.Message);
        e = Assert.Throws<ArgumentException>(() => Indexing.ScatterAdd(X(2, 3), 1, Tensor.Zeros(new Shape(2, 2), DType.Int64), X(2, 1)));
        Assert.Contains("(2, 1)", e.Message);
    }

    [Fact]
    public void Concat_and_stack_name_the_mismatched_shapes_and_axis()
    {
        var e = Assert.Throws<ArgumentException>(() => Assembly.Concat([X(2, 3), X(3, 3)], 1));
        Assert.Contains("(2, 3)", e.Message);
        Assert.Contains("(3, 3)", e.Message);
        Assert.Contains("axis 1", e.Message);
        e = Assert.Throws<ArgumentException>(() => Assembly.Concat([X(2, 3), X(2, 3, 1)], 0));
        Assert.Contains("(2, 3, 1)", e.Message);
        e = Assert.Throws<ArgumentException>(() => Assembly.Concat([X(2), Tensor.Zeros(new Shape(2), DType.Int64)], 0));
        Assert.Contains("int64", e.Message);
        Assert.Throws<ArgumentException>(() => Assembly.Concat([], 0));

        e = Assert.Throws<ArgumentException>(() => Assembly.Stack([X(2, 3), X(2, 3), X(3, 2)], 1));
        Assert.Contains("(3, 2)", e.Message);
        Assert.Contains("(2, 3)", e.Message);
        Assert.Contains("axis 1", e.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => Assembly.Stack([X(2), X(2)], 3));
    }

    [Fact]
    public void TopK_rejects_k_beyond_the_axis()
    {
        var e = Assert.Throws<ArgumentException>(() => Indexing.TopK(X(2, 3), 4));
        Assert.Contains("k = 4", e.Message);
        Assert.Contains("size 3", e.Message);
        Assert.Contains("(2, 3)", e.Message);
        Assert.Throws<ArgumentException>(() => Indexing.TopK(X(2, 3), -1));
        Assert.Throws<ArgumentException>(() => Indexing.TopK(Tensor.Zeros(new Shape(3), DType.Int32), 1));
    }

    [Fact]
    public void Split_and_pad_reject_bad_sizes()
    {
        var e = Assert.Throws<ArgumentException>(() => Assembly.Split(X(2, 5), [2, 2], 1));
        Assert.Contains("(2, 5)", e.Message);
        Assert.Contains("axis 1", e.Message);
        Assert.Throws<ArgumentException>(() => Assembly.Split(X(4), [5, -1], 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => Assembly.SplitInto(X(4), 0));

        e = Assert.Throws<ArgumentException>(() => Assembly.Pad(X(2, 3), [3, 0], PadMode.Reflect));
        Assert.Contains("(2, 3)", e.Message);
        Assert.Contains("axis 1", e.Message);
        Assert.Throws<ArgumentException>(() => Assembly.Pad(X(2, 3), [1]));
        Assert.Throws<ArgumentException>(() => Assembly.Pad(X(3), [1, 1, 1, 1]));
        Assert.Throws<ArgumentException>(() => Assembly.Pad(X(3), [-2, -2]));
        Assert.Throws<ArgumentException>(() => Assembly.Pad(X(0), [1, 0], PadMode.Replicate));
    }
}
