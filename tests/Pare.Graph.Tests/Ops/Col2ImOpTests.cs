using Pare.Core;
using Pare.Core.Random;
using static Pare.Graph.Tests.Ops.OneNode;

namespace Pare.Graph.Tests.Ops;

/// <summary>Col2Im: overlapping blocks sum, padding taps vanish, gradients reach the columns, bad shapes fail.</summary>
public class Col2ImOpTests
{
    private static Tensor Longs(params long[] v) => Tensor.FromSpan<long>(v);

    [Fact]
    public void Overlapping_blocks_sum_and_padded_taps_are_dropped()
    {
        // 1-D image of 3, blocks of 2, stride 1, one pad each side: 4 columns [p,0] [0,1] [1,2] [2,p]
        var columns = Tensor.FromSpan<float>([1f, 2f, 3f, 4f, 10f, 20f, 30f, 40f], new Shape(1, 2, 4));
        var y = Run(Make("Col2Im", 3, 1, ("pads", Ints(1, 1))), 18, columns, Longs(3), Longs(2))[0];
        Assert.Equal(new Shape(1, 1, 3), y.Shape);
        // pixel 0 gets first tap of column 1 and second of column 0, etc.
        Assert.Equal([2f + 10f, 3f + 20f, 4f + 30f], y.ToArray<float>());
    }

    [Fact]
    public void Gradients_reach_the_columns_and_bad_shapes_fail_naming_the_node()
    {
        var node = Make("Col2Im", 3, 1, ("strides", Ints(1, 2)), ("dilations", Ints(2, 1)));
        // image 5×4, blocks 2×2: 3 × 2 positions, C = 2
        GraphGradCheck.Check(node, 18, [0], Tensor.Uniform(new Shape(1, 8, 6), -1f, 1f, new Rng(1)), Longs(5, 4), Longs(2, 2));
        var e = Assert.Throws<GraphException>(() => Run(node, 18, Tensor.Zeros(new Shape(1, 8, 5)), Longs(5, 4), Longs(2, 2)));
        Assert.Contains("n0", e.Message);
        Assert.Contains("n0", Assert.Throws<GraphException>(() => Run(node, 18, Tensor.Zeros(new Shape(1, 8, 6)), Longs(5, 4), Longs(2))).Message);
    }
}
