using Pare.Core;
using Pare.Core.Random;
using static Pare.Graph.Tests.Ops.OneNode;

namespace Pare.Graph.Tests.Ops;

/// <summary>CenterCropPad on int64 (the copy path) and float32 (Core Slice/Pad, with gradients), and its checks.</summary>
public class CenterCropPadOpTests
{
    [Fact]
    public void Crops_and_pads_around_the_centre_with_the_odd_element_at_the_end()
    {
        // axis 0: 5 → 2 keeps [1, 3); axis 1: 2 → 5 puts one zero before and two after
        var x = Tensor.FromSpan<long>([0, 1, 10, 11, 20, 21, 30, 31, 40, 41], new Shape(5, 2));
        var y = Run(Make("CenterCropPad", 2, 1), 18, x, Tensor.FromSpan<long>([2, 5]))[0];
        Assert.Equal(new Shape(2, 5), y.Shape);
        Assert.Equal([0L, 10, 11, 0, 0, 0, 20, 21, 0, 0], y.ToArray<long>());
    }

    [Fact]
    public void Float_input_passes_gradients_and_bad_axes_fail_naming_the_node()
    {
        var x = Tensor.Uniform(new Shape(4, 3), -1f, 1f, new Rng(1));
        GraphGradCheck.Check(Make("CenterCropPad", 2, 1, ("axes", Ints(-1, 0))), 18, [0], x, Tensor.FromSpan<long>([5, 3]));
        var e = Assert.Throws<GraphException>(() => Run(Make("CenterCropPad", 2, 1, ("axes", Ints(0, 0))), 18, x, Tensor.FromSpan<long>([2, 2])));
        Assert.Contains("n0", e.Message);
        Assert.Contains("n0", Assert.Throws<GraphException>(() => Run(Make("CenterCropPad", 2, 1), 18, x, Tensor.FromSpan<long>([2]))).Message);
    }
}
