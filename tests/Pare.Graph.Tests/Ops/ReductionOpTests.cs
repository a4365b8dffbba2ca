using Pare.Core;
using static Pare.Graph.Tests.Ops.OneNode;

namespace Pare.Graph.Tests.Ops;

public class ReductionOpTests
{
    private static Tensor X() => Tensor.FromSpan<float>([1f, -2f, 3f, 0.5f, 4f, -1f], new Shape(2, 3));

    [Fact]
    public void Axes_come_from_the_attribute_before_opset_18()
    {
        var y = Run(Make("ReduceMean", 1, 1, ("axes", Ints(1)), ("keepdims", I(0))), 17, X())[0];
        Assert.Equal(new Shape(2), y.Shape);
        Assert.Equal([2f / 3f, 3.5f / 3f], y.ToArray<float>());
    }

    [Fact]
    public void ReduceSum_takes_axes_as_input_from_opset_13_and_noop_keeps_the_input()
    {
        var y = Run(Make("ReduceSum", 2, 1, ("keepdims", I(1))), 13, X(), Tensor.FromSpan<long>([-1]))[0];
        Assert.Equal([2f, 3.5f], y.ToArray<float>());
        var same = Run(Make("ReduceSum", 2, 1, ("noop_with_empty_axes", I(1))), 13, X(), Tensor.Zeros(new Shape(0), DType.Int64))[0];
        Assert.Equal(X().ToArray<float>(), same.ToArray<float>());
    }

    [Fact]
    public void ReduceProd_gradient_is_exact_through_a_zero()
    {
        var x = Tensor.FromSpan<float>([2f, 0f, 3f, 5f]);
        x.RequiresGrad = true;
        var y = RunTraining(Make("ReduceProd", 1, 1, ("keepdims", I(0))), 13, x)[0];
        Assert.Equal(0f, y.Item());
        y.Backward();
        Assert.Equal([0f, 30f, 0f, 0f], x.Grad!.ToArray<float>());
    }

    [Fact]
    public void LogSumExp_is_stable_for_large_inputs()
    {
        var y = Run(Make("ReduceLogSumExp", 1, 1, ("axes", Ints(0)), ("keepdims", I(0))), 13, Tensor.FromSpan<float>([1000f, 1000f]))[0];
        Assert.Equal(1000f + MathF.Log(2f), y.Item(), 3);
    }

    [Fact]
    public void Integer_reductions_use_the_input_type()
    {
        var x = Tensor.FromSpan<long>([3, -7, 2, 9], new Shape(2, 2));
        Assert.Equal([-21L, 18L], Run(Make("ReduceProd", 1, 1, ("axes", Ints(1)), ("keepdims", I(0))), 13, x)[0].ToArray<long>());
        Assert.Equal([9L], Run(Make("ReduceMax", 1, 1, ("keepdims", I(0))), 13, x)[0].ToArray<long>());
        var e = Assert.Throws<UnsupportedOpException>(() => Run(Make("ReduceL2", 1, 1), 13, x));
        Assert.Contains("n0", e.Message);
    }

    [Fact]
    public void Repeated_axis_fails_naming_the_node()
    {
        var e = Assert.Throws<GraphException>(() => Run(Make("ReduceSum", 2, 1), 13, X(), Tensor.FromSpan<long>([1, -1])));
        Assert.Contains("n0", e.Message);
        Assert.Contains("repeated", e.Message);
    }

    [Fact]
    public void ArgMax_select_last_index_on_ties()
    {
        var x = Tensor.FromSpan<int>([2, 5, 5, 1], new Shape(1, 4));
        Assert.Equal([2L], Run(Make("ArgMax", 1, 1, ("axis", I(1)), ("keepdims", I(0)), ("select_last_index", I(1))), 13, x)[0].ToArray<long>());
        Assert.Equal([1L], Run(Make("ArgMax", 1, 1, ("axis", I(1)), ("keepdims", I(0))), 13, x)[0].ToArray<long>());
    }

    [Fact]
    public void Softmax_before_opset_13_normalizes_the_flattened_rows()
    {
        var x = Tensor.FromSpan<float>([1f, 2f, 3f, 4f], new Shape(1, 2, 2));
        var y = Run(Make("Softmax", 1, 1), 11, x)[0].ToArray<float>();
        double z = Math.Exp(1) + Math.Exp(2) + Math.Exp(3) + Math.Exp(4);
        Assert.Equal(Math.Exp(4) / z, y[3], 5);
        var last = Run(Make("Softmax", 1, 1), 13, x)[0].ToArray<float>();
        Assert.Equal(Math.Exp(4) / (Math.Exp(3) + Math.Exp(4)), last[3], 5);
    }
}
