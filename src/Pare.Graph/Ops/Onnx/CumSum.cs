using Pare.Core;
using CoreOps = Pare.Core.Ops;

namespace Pare.Graph.Ops.Onnx;

/// <summary>CumSum along the axis given as a 0-D input, with the exclusive and reverse attributes. Float32 goes
/// through Core's cumsum (differentiable); int32/int64 use a plain loop that wraps on overflow.</summary>
internal static class CumSum
{
    [OnnxOp("CumSum", SinceVersion = 11)]
    public static Tensor?[] Run(OpContext c)
    {
        var x = c.Input(0);
        var axes = c.Longs(c.Input(1), "axis");
        if (axes.Length != 1) throw c.Fail($"axis must hold one value, has {axes.Length}");
        if (x.Rank == 0) throw c.Fail("input must have rank ≥ 1");
        int axis = c.Axis(axes[0], x.Rank);
        bool exclusive = c.Attributes.Int("exclusive", 0) != 0;
        bool reverse = c.Attributes.Int("reverse", 0) != 0;
        if (x.DType == DType.Float32) return [CoreOps.Scan.CumSum(x, axis, exclusive, reverse)];
        if (x.DType is not (DType.Int32 or DType.Int64)) throw c.Fail($"input must be float32, int32 or int64, got {x.DType.Name()}");
        var v = IntValues.Read(c, x);
        var dims = x.Shape.Dims;
        int n = dims[axis], outer = 1, inner = 1;
        for (int d = 0; d < axis; d++) outer *= dims[d];
        for (int d = axis + 1; d < x.Rank; d++) inner *= dims[d];
        var y = new long[v.Length];
        for (int o = 0; o < outer; o++)
        {
            for (int i = 0; i < inner; i++)
            {
                long sum = 0;
                for (int s = 0; s < n; s++)
                {
                    int at = (o * n + (reverse ? n - 1 - s : s)) * inner + i;
                    if (exclusive) { y[at] = sum; sum = unchecked(sum + v[at]); }
                    else { sum = unchecked(sum + v[at]); y[at] = sum; }
                }
            }
        }
        return [IntValues.Write(y, x.DType, x.Shape)];
    }
}
