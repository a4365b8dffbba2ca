using Pare.Core;
using static Pare.Graph.Tests.Ops.OneNode;

namespace Pare.Graph.Tests.Ops;

/// <summary>NonMaxSuppression: tie order, the per-class limit, and shape checks beyond the ONNX node tests.</summary>
public class NonMaxSuppressionOpTests
{
    // three unit boxes: 0 and 2 identical (IoU 1), 1 far away; boxes 0 and 2 tie on score
    private static readonly Tensor Boxes = Tensor.FromSpan<float>([0, 0, 1, 1, 5, 5, 6, 6, 0, 0, 1, 1], new Shape(1, 3, 4));
    private static readonly Tensor Scores = Tensor.FromSpan<float>([0.9f, 0.5f, 0.9f], new Shape(1, 1, 3));

    private static long[] Select(long limit, float iou) =>
        Run(Make("NonMaxSuppression", 4, 1), 11, Boxes, Scores, Tensor.FromSpan<long>([limit]), Tensor.FromSpan<float>([iou]))[0].ToArray<long>();

    [Fact]
    public void Ties_keep_the_lower_index_and_the_limit_applies_per_class()
    {
        Assert.Equal([0L, 0, 0, 0, 0, 1], Select(10, 0.5f));
        Assert.Equal([0L, 0, 0], Select(1, 0.5f));
        // IoU 1 is not above a threshold of 1: nothing is suppressed
        Assert.Equal([0L, 0, 0, 0, 0, 2, 0, 0, 1], Select(10, 1f));
        Assert.Empty(Select(0, 0.5f));
    }

    [Fact]
    public void Mismatched_boxes_and_scores_fail_naming_the_node()
    {
        var e = Assert.Throws<GraphException>(() => Run(Make("NonMaxSuppression", 2, 1), 11, Boxes, Tensor.Zeros(new Shape(1, 1, 2))));
        Assert.Contains("n0", e.Message);
        Assert.Contains("n0", Assert.Throws<GraphException>(() => Run(Make("NonMaxSuppression", 2, 1), 11, Tensor.Zeros(new Shape(1, 3, 3)), Scores)).Message);
    }
}
