using Pare.Core;

namespace Pare.Graph.Ops.Onnx;

/// <summary>Reductions of integer and bool tensors as plain loops (not differentiable): values are widened to
/// long, folded in row-major order, and narrowed back to the input's type (wrapping like C on overflow).</summary>
internal static class IntReductions
{
    /// <summary>Reduces <paramref name="x"/> (int8/uint8/int32/int64/bool) over <paramref name="axes"/>.</summary>
    public static Tensor Run(OpContext c, ReduceFn kind, Tensor x, ReduceAxes axes, bool keepDims)
    {
        var values = IntValues.Read(c, x);
        var dims = x.Shape.Dims.ToArray();
        int rank = dims.Length;
        // stride of each kept axis in the output, 0 for reduced axes, so one odometer walk maps input to output
        var outStride = new long[rank];
        long size = 1;
        for (int d = rank - 1; d >= 0; d--)
        {
            if (axes.Mask[d]) continue;
            outStride[d] = size;
            size *= dims[d];
        }
        var (min, max) = IntValues.Range(x.DType);
        long start = kind switch
        {
            ReduceFn.Prod => 1,
            ReduceFn.Max => min,
            ReduceFn.Min => max,
            ReduceFn.Sum or ReduceFn.Mean or ReduceFn.L1 or ReduceFn.SumSquare => 0,
            _ => throw c.Unsupported($"{kind} of {x.DType.Name()} input is not supported (only float32)"),
        };
        var acc = new long[size];
        Array.Fill(acc, start);
        var index = new int[rank];
        long o = 0;
        for (int i = 0; i < values.Length; i++)
        {
            long v = values[i];
            acc[o] = kind switch
            {
                ReduceFn.Sum or ReduceFn.Mean => unchecked(acc[o] + v),
                ReduceFn.Prod => unchecked(acc[o] * v),
                ReduceFn.Max => Math.Max(acc[o], v),
                ReduceFn.Min => Math.Min(acc[o], v),
                ReduceFn.L1 => unchecked(acc[o] + Math.Abs(v)),
                _ => unchecked(acc[o] + v * v),
            };
            for (int d = rank - 1; d >= 0; d--)
            {
                o += outStride[d];
                if (++index[d] < dims[d]) break;
                o -= outStride[d] * dims[d];
                index[d] = 0;
            }
        }
        if (kind == ReduceFn.Mean)
        {
            long count = axes.ReducedCount(x.Shape);
            for (int i = 0; i < acc.Length; i++) acc[i] = count == 0 ? 0 : acc[i] / count;
        }
        return IntValues.Write(acc, x.DType, axes.Output(x.Shape, keepDims));
    }
}
