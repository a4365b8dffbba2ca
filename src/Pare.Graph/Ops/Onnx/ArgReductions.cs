using System.Numerics;
using Pare.Core;
using CoreOps = Pare.Core.Ops;

namespace Pare.Graph.Ops.Onnx;

/// <summary>ArgMax and ArgMin (int64 indices along one axis; not differentiable). Float32 with the first index
/// goes through Core; select_last_index and integer inputs use a plain loop. NaN counts as the extreme value.</summary>
internal static class ArgReductions
{
    [OnnxOp("ArgMax")]
    public static Tensor?[] ArgMax(OpContext c) => Arg(c, max: true);

    [OnnxOp("ArgMin")]
    public static Tensor?[] ArgMin(OpContext c) => Arg(c, max: false);

    private static Tensor?[] Arg(OpContext c, bool max)
    {
        var x = c.Input(0);
        if (x.Rank == 0) throw c.Fail("input must have rank ≥ 1");
        int axis = c.Axis(c.Attributes.Int("axis", 0), x.Rank);
        bool keep = c.Attributes.Int("keepdims", 1) != 0;
        bool last = c.Attributes.Int("select_last_index", 0) != 0;
        var dims = x.Shape.Dims;
        int n = dims[axis];
        if (n == 0) throw c.Fail($"axis {axis} of input shape {x.Shape} is empty: it has no extreme element");
        if (x.DType == DType.Float32 && !last)
            return [max ? CoreOps.Reduce.ArgMax(x, axis, keep) : CoreOps.Reduce.ArgMin(x, axis, keep)];
        int outer = 1, inner = 1;
        for (int d = 0; d < axis; d++) outer *= dims[d];
        for (int d = axis + 1; d < x.Rank; d++) inner *= dims[d];
        var result = x.DType == DType.Float32
            ? Scan(x.ToArray<float>(), outer, n, inner, max, last)
            : Scan(IntValues.Read(c, x), outer, n, inner, max, last);
        var shape = keep ? x.Shape.With(axis, 1) : new Shape([.. dims[..axis], .. dims[(axis + 1)..]]);
        return [Tensor.Wrap(result, shape)];
    }

    private static long[] Scan<T>(T[] v, int outer, int n, int inner, bool max, bool last) where T : INumber<T>
    {
        var result = new long[outer * inner];
        for (int o = 0; o < outer; o++)
        {
            for (int i = 0; i < inner; i++)
            {
                int baseAt = o * n * inner + i, best = 0;
                var b = v[baseAt];
                for (int r = 1; r < n; r++)
                {
                    var value = v[baseAt + r * inner];
                    bool better;
                    if (T.IsNaN(b)) better = last && T.IsNaN(value);
                    else if (T.IsNaN(value)) better = true;
                    else if (max) better = last ? value >= b : value > b;
                    else better = last ? value <= b : value < b;
                    if (!better) continue;
                    b = value;
                    best = r;
                }
                result[o * inner + i] = best;
            }
        }
        return result;
    }
}
