using Pare.Core;
using Pare.Core.Random;
using static Pare.Graph.Tests.Ops.OneNode;

namespace Pare.Graph.Tests.Ops;

/// <summary>The composed ONNX ops pass gradients through the training runner correctly.</summary>
public class OpGradientTests
{
    private static Tensor R(ulong seed, params int[] shape) => Tensor.Uniform(new Shape(shape), 0.5f, 2f, new Rng(seed)) * (seed % 2 == 0 ? 1f : -1f);

    [Fact]
    public void Reductions()
    {
        foreach (var op in new[] { "ReduceL1", "ReduceL2", "ReduceLogSumExp", "ReduceProd", "ReduceSumSquare", "ReduceMax", "ReduceMean" })
            GraphGradCheck.Check(Make(op, 1, 1, ("axes", Ints(0, 2)), ("keepdims", I(0))), 13, [0], R(1, 2, 3, 3));
        GraphGradCheck.Check(Make("ReduceLogSum", 1, 1, ("axes", Ints(1))), 13, [0], R(2, 2, 3));
    }

    [Fact]
    public void Normalizations()
    {
        GraphGradCheck.Check(Make("LRN", 1, 1, ("size", I(3)), ("alpha", F(0.1f))), 13, [0], R(1, 1, 4, 2));
        GraphGradCheck.Check(Make("LayerNormalization", 3, 1, ("axis", I(1))), 17, [0, 1, 2], R(2, 2, 3, 2), R(4, 3, 2), R(6, 2));
        GraphGradCheck.Check(Make("RMSNormalization", 2, 1), 23, [0, 1], R(3, 3, 4), R(5, 4));
        GraphGradCheck.Check(Make("GroupNormalization", 3, 1, ("num_groups", I(2))), 18, [0, 1, 2], R(7, 2, 4, 3), R(8, 2), R(9, 2));
        GraphGradCheck.Check(Make("MeanVarianceNormalization", 1, 1), 13, [0], R(10, 2, 2, 2, 2));
        GraphGradCheck.Check(Make("LpNormalization", 1, 1, ("axis", I(1))), 13, [0], R(12, 3, 4));
    }

    [Fact]
    public void Scans_softmax_and_einsum()
    {
        GraphGradCheck.Check(Make("CumSum", 2, 1, ("exclusive", I(1))), 14, [0], R(13, 3, 4), Tensor.FromSpan<long>([1], default));
        GraphGradCheck.Check(Make("Softmax", 1, 1, ("axis", I(1))), 11, [0], R(14, 2, 2, 3));
        GraphGradCheck.Check(Make("Einsum", 2, 1, ("equation", S("bii,bij->bj"))), 12, [0, 1], R(15, 2, 3, 3), R(16, 2, 3, 2));
    }
}
