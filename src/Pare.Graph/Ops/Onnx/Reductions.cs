using Pare.Core;
using CoreOps = Pare.Core.Ops;

namespace Pare.Graph.Ops.Onnx;

/// <summary>ONNX Reduce* ops. Float32 is composed from Core reductions and elementwise ops so gradients flow;
/// integer and bool inputs go through <see cref="IntReductions"/>. A reduction over an empty set gives the
/// function's identity (0, 1, −∞ for max and the logs, +∞ for min), as the ONNX reference does.</summary>
internal static class Reductions
{
    [OnnxOp("ReduceSum")]
    public static Tensor?[] ReduceSum(OpContext c) => Reduce(c, ReduceFn.Sum, axesInputSince: 13);

    [OnnxOp("ReduceMean")]
    public static Tensor?[] ReduceMean(OpContext c) => Reduce(c, ReduceFn.Mean);

    [OnnxOp("ReduceMax")]
    public static Tensor?[] ReduceMax(OpContext c) => Reduce(c, ReduceFn.Max);

    [OnnxOp("ReduceMin")]
    public static Tensor?[] ReduceMin(OpContext c) => Reduce(c, ReduceFn.Min);

    [OnnxOp("ReduceProd")]
    public static Tensor?[] ReduceProd(OpContext c) => Reduce(c, ReduceFn.Prod);

    [OnnxOp("ReduceL1")]
    public static Tensor?[] ReduceL1(OpContext c) => Reduce(c, ReduceFn.L1);

    [OnnxOp("ReduceL2")]
    public static Tensor?[] ReduceL2(OpContext c) => Reduce(c, ReduceFn.L2);

    [OnnxOp("ReduceLogSum")]
    public static Tensor?[] ReduceLogSum(OpContext c) => Reduce(c, ReduceFn.LogSum);

    [OnnxOp("ReduceLogSumExp")]
    public static Tensor?[] ReduceLogSumExp(OpContext c) => Reduce(c, ReduceFn.LogSumExp);

    [OnnxOp("ReduceSumSquare")]
    public static Tensor?[] ReduceSumSquare(OpContext c) => Reduce(c, ReduceFn.SumSquare);

    private static Tensor?[] Reduce(OpContext c, ReduceFn fn, int axesInputSince = 18)
    {
        var x = c.Input(0);
        bool keep = c.Attributes.Int("keepdims", 1) != 0;
        var axes = ReduceAxes.Read(c, x.Rank, axesInputSince);
        if (axes.Noop) return [x];
        if (x.DType != DType.Float32) return [IntReductions.Run(c, fn, x, axes, keep)];
        var output = axes.Output(x.Shape, keep);
        if (axes.ReducedCount(x.Shape) == 0 && output.ElementCount > 0) return [Tensor.Full(output, EmptyValue(fn))];
        return [Float(fn, x, axes, keep).Reshape(output.Dims.ToArray())];
    }

    private static float EmptyValue(ReduceFn fn) => fn switch
    {
        ReduceFn.Prod => 1f,
        ReduceFn.Mean => float.NaN,
        ReduceFn.Max or ReduceFn.LogSum or ReduceFn.LogSumExp => float.NegativeInfinity,
        ReduceFn.Min => float.PositiveInfinity,
        _ => 0f,
    };

    private static Tensor Float(ReduceFn fn, Tensor x, ReduceAxes axes, bool keep)
    {
        var a = axes.Axes;
        return fn switch
        {
            ReduceFn.Sum => CoreOps.Reduce.Sum(x, a, keep),
            ReduceFn.Mean => CoreOps.Reduce.Mean(x, a, keep),
            ReduceFn.Max => CoreOps.Reduce.Max(x, a, keep),
            ReduceFn.Min => CoreOps.Reduce.Min(x, a, keep),
            ReduceFn.Prod => Prod(x, axes),
            ReduceFn.L1 => CoreOps.Reduce.Sum(CoreOps.Elementwise.Abs(x), a, keep),
            ReduceFn.L2 => CoreOps.Elementwise.Sqrt(CoreOps.Reduce.Sum(CoreOps.Elementwise.Mul(x, x), a, keep)),
            ReduceFn.LogSum => CoreOps.Elementwise.Log(CoreOps.Reduce.Sum(x, a, keep)),
            ReduceFn.LogSumExp => LogSumExp(x, a),
            _ => CoreOps.Reduce.Sum(CoreOps.Elementwise.Mul(x, x), a, keep),
        };
    }

    // log Σ exp x = m + log Σ exp(x − m) with m the (constant) maximum, so large inputs do not overflow; a
    // non-finite maximum is replaced by 0 so that all −∞ gives −∞ rather than NaN.
    private static Tensor LogSumExp(Tensor x, int[] axes)
    {
        var m = CoreOps.Reduce.Max(x.Detach(), axes, keepDims: true);
        var shift = m.AsSpan<float>();
        for (int i = 0; i < shift.Length; i++)
            if (!float.IsFinite(shift[i])) shift[i] = 0f;
        var sum = CoreOps.Reduce.Sum(CoreOps.Elementwise.Exp(CoreOps.Elementwise.Sub(x, m)), axes, keepDims: true);
        return CoreOps.Elementwise.Add(CoreOps.Elementwise.Log(sum), m);
    }

    // Π over the reduced axes as a tree of pairwise products, each a recorded Core multiply, so the gradient
    // is exact even where some factors are zero (which exp Σ log |x| would not be). Kept axes go first, the
    // reduced ones are flattened last: (K, R) → log₂ R halvings → (K, 1).
    private static Tensor Prod(Tensor x, ReduceAxes axes)
    {
        int rank = x.Rank;
        var perm = Enumerable.Range(0, rank).Where(d => !axes.Mask[d]).Concat(axes.Axes).ToArray();
        // r = 0 reaches here only when the output is empty too (else the identity was returned)
        int r = (int)axes.ReducedCount(x.Shape), k = r == 0 ? 0 : x.Count / r;
        var t = (rank == 0 ? x : x.Permute(perm)).Reshape(k, r);
        while (r > 1)
        {
            int half = r / 2;
            var product = CoreOps.Elementwise.Mul(t.Slice(1, 0, half), t.Slice(1, half, 2 * half));
            t = r % 2 == 0 ? product : CoreOps.Assembly.Concat([product, t.Slice(1, 2 * half, r)], axis: 1);
            r = half + r % 2;
        }
        return t;
    }
}
