using Pare.Core;
using static Pare.Graph.Tests.Ops.OneNode;

namespace Pare.Graph.Tests.Ops;

public class MiscOpTests
{
    [Fact]
    public void CumSum_float_exclusive_reverse()
    {
        var x = Tensor.FromSpan<float>([1f, 2f, 3f, 4f, 5f, 6f], new Shape(2, 3));
        var y = Run(Make("CumSum", 2, 1, ("exclusive", I(1)), ("reverse", I(1))), 14, x, Tensor.FromSpan<int>([1], default))[0];
        Assert.Equal([5f, 3f, 0f, 11f, 6f, 0f], y.ToArray<float>());
    }

    [Fact]
    public void TopK_int64_keeps_the_lower_index_on_ties()
    {
        var x = Tensor.FromSpan<long>([0, 1, 1, 2, 2], new Shape(5));
        var outs = Run(Make("TopK", 2, 2, ("axis", I(0))), 11, x, Tensor.FromSpan<long>([3]));
        Assert.Equal([2L, 2L, 1L], outs[0].ToArray<long>());
        Assert.Equal([3L, 4L, 1L], outs[1].ToArray<long>());
        var smallest = Run(Make("TopK", 2, 2, ("axis", I(0)), ("largest", I(0))), 11, x, Tensor.FromSpan<long>([2]));
        Assert.Equal([0L, 1L], smallest[1].ToArray<long>());
    }

    [Fact]
    public void TopK_k_attribute_before_opset_10()
    {
        var x = Tensor.FromSpan<float>([3f, 1f, 4f, 1f, 5f]);
        var outs = Run(Make("TopK", 1, 2, ("k", I(2))), 9, x);
        Assert.Equal([5f, 4f], outs[0].ToArray<float>());
        Assert.Equal([4L, 2L], outs[1].ToArray<long>());
    }

    [Fact]
    public void Dropout_training_with_a_ratio_is_unsupported_and_inference_is_identity()
    {
        var x = Tensor.FromSpan<float>([1f, 2f]);
        var outs = Run(Make("Dropout", 1, 2), 13, x);
        Assert.Equal([1f, 2f], outs[0].ToArray<float>());
        Assert.Equal([true, true], outs[1].ToArray<bool>());
        var e = Assert.Throws<UnsupportedOpException>(() =>
            Run(Make("Dropout", 3, 1), 13, x, Tensor.Scalar(0.5f), Tensor.Wrap([true], default)));
        Assert.Contains("n0", e.Message);
    }

    [Fact]
    public void Lrn_matches_the_formula()
    {
        var x = Tensor.FromSpan<float>([1f, 2f, 3f], new Shape(1, 3, 1));
        var y = Run(Make("LRN", 1, 1, ("size", I(2)), ("alpha", F(0.5f)), ("beta", F(1f)), ("bias", F(1f))), 13, x)[0].ToArray<float>();
        // window [c, c + 1]: sums 1+4, 4+9, 9
        Assert.Equal([1f / (1 + 0.25f * 5), 2f / (1 + 0.25f * 13), 3f / (1 + 0.25f * 9)], y);
    }

    [Fact]
    public void GroupNormalization_bad_group_count_fails_naming_the_node()
    {
        var x = Tensor.Zeros(new Shape(1, 4, 2));
        var e = Assert.Throws<GraphException>(() => Run(Make("GroupNormalization", 3, 1, ("num_groups", I(3))), 21, x, Tensor.Ones(new Shape(4)), Tensor.Zeros(new Shape(4))));
        Assert.Contains("n0", e.Message);
    }

    [Fact]
    public void GroupNormalization_opset_18_scale_is_per_group()
    {
        var x = Tensor.FromSpan<float>([1f, 3f, 1f, 3f], new Shape(1, 2, 2));
        var y = Run(Make("GroupNormalization", 3, 1, ("num_groups", I(2)), ("epsilon", F(0f))), 18, x,
            Tensor.FromSpan<float>([2f, 3f]), Tensor.FromSpan<float>([0f, 1f]))[0].ToArray<float>();
        Assert.Equal([-2f, 2f, -2f, 4f], y);
    }

    [Fact]
    public void BatchNormalization_training_mode_outputs_running_statistics()
    {
        var x = Tensor.FromSpan<float>([1f, 3f], new Shape(2, 1));
        var outs = Run(Make("BatchNormalization", 5, 3, ("training_mode", I(1)), ("momentum", F(0.5f))), 15, x,
            Tensor.Ones(new Shape(1)), Tensor.Zeros(new Shape(1)), Tensor.Zeros(new Shape(1)), Tensor.Ones(new Shape(1)));
        Assert.Equal([1f], outs[1].ToArray<float>());
        Assert.Equal([1f], outs[2].ToArray<float>());
    }
}
