using System.Numerics.Tensors;
using Pare.Core.Threading;

namespace Pare.Core.Kernels.Reduce;

/// <summary>Sum/max/min of a contiguous (O, R, I) block over its middle axis. Any reduction over a set of axes is
/// brought to this form by the op layer. Two fast paths: I = 1 reduces contiguous rows (vector accumulate, then a
/// horizontal reduce, via TensorPrimitives); I &gt; 1 accumulates whole rows of the kept inner block, element by
/// element, in r order. The summation order is fixed by the data's shape alone, never by the thread count.</summary>
public static class Reduction
{
    // A long single row is summed in blocks of this many elements whose partials are then added in block
    // order: the boundaries depend only on R, so the result is the same for any thread count.
    internal const int RowBlock = 1 << 15;

    // Work items below this many elements run on the calling thread.
    private const int ParallelThreshold = 1 << 15;

    /// <summary>dst[o, i] = reduce over r of x[o, r, i]. Max/min of R = 0 is not defined (callers reject it).</summary>
    /// <param name="kind">which reduction</param>
    /// <param name="x">(O, R, I), contiguous</param>
    /// <param name="outer">O</param>
    /// <param name="r">R: size of the reduced axis</param>
    /// <param name="inner">I</param>
    /// <param name="dst">(O, I)</param>
    public static unsafe void Reduce(ReduceKind kind, ReadOnlySpan<float> x, int outer, int r, int inner, Span<float> dst)
    {
        Check(x, outer, r, inner, dst, kind);
        if (outer * inner == 0) return;
        fixed (float* px = x, pd = dst)
        {
            nint xs = (nint)px, ds = (nint)pd;
            long total = (long)outer * r * inner;
            if (inner == 1 && outer == 1 && r > RowBlock)
            {
                SumOrExtremeLongRow(kind, new ReadOnlySpan<float>(px, r), out dst[0]);
                return;
            }
            if (inner == 1)
            {
                RowChunks.For(outer, r, (o0, o1) =>
                {
                    var src = new ReadOnlySpan<float>((float*)xs, outer * r);
                    var d = new Span<float>((float*)ds, outer);
                    for (int o = o0; o < o1; o++) d[o] = ReduceRow(kind, src.Slice(o * r, r));
                });
                return;
            }
            // inner > 1: per o, acc[i] = reduce_r x[o, r, i]; split over o and over fixed blocks of i
            const int InnerBlock = 4096;
            int iBlocks = (inner + InnerBlock - 1) / InnerBlock;
            void Block(int w)
            {
                int o = w / iBlocks, i0 = (w % iBlocks) * InnerBlock, len = Math.Min(InnerBlock, inner - i0);
                var src = new ReadOnlySpan<float>((float*)xs, (int)total);
                var acc = new Span<float>((float*)ds + (long)o * inner + i0, len);
                AccumulateRows(kind, src, o, r, inner, i0, acc);
            }
            int work = outer * iBlocks;
            if (iBlocks == 1)
            {
                // a narrow inner block: group whole slabs o so that each work item is large enough
                RowChunks.For(outer, r * inner, (o0, o1) =>
                {
                    for (int o = o0; o < o1; o++) Block(o);
                });
            }
            else if (total < ParallelThreshold) for (int w = 0; w < work; w++) Block(w);
            else Parallelism.For(work, Block);
        }
    }

    /// <summary>Plain scalar twin of <see cref="Reduce"/>: r-ordered loop per output element.</summary>
    /// <param name="kind">which reduction</param>
    /// <param name="x">(O, R, I), contiguous</param>
    /// <param name="outer">O</param>
    /// <param name="r">R: size of the reduced axis</param>
    /// <param name="inner">I</param>
    /// <param name="dst">(O, I)</param>
    public static void ReduceReference(ReduceKind kind, ReadOnlySpan<float> x, int outer, int r, int inner, Span<float> dst)
    {
        Check(x, outer, r, inner, dst, kind);
        for (int o = 0; o < outer; o++)
        {
            for (int i = 0; i < inner; i++)
            {
                float acc = kind == ReduceKind.Sum ? 0f : x[o * r * inner + i];
                for (int k = 0; k < r; k++)
                {
                    float v = x[(o * r + k) * inner + i];
                    acc = kind switch
                    {
                        ReduceKind.Sum => acc + v,
                        ReduceKind.Max => float.IsNaN(acc) || float.IsNaN(v) ? float.NaN : Math.Max(acc, v),
                        _ => float.IsNaN(acc) || float.IsNaN(v) ? float.NaN : Math.Min(acc, v),
                    };
                }
                dst[o * inner + i] = acc;
            }
        }
    }

    private static void Check(ReadOnlySpan<float> x, int outer, int r, int inner, Span<float> dst, ReduceKind kind)
    {
        if (outer < 0 || r < 0 || inner < 0 || x.Length != (long)outer * r * inner || dst.Length != (long)outer * inner)
            throw new ArgumentException($"reduce: spans of {x.Length} and {dst.Length} elements do not fit (O, R, I) = ({outer}, {r}, {inner})");
        if (r == 0 && kind != ReduceKind.Sum && outer * inner > 0)
            throw new ArgumentException($"reduce: {kind} over an empty axis of (O, R, I) = ({outer}, {r}, {inner}) is not defined");
    }

    // One contiguous row: TensorPrimitives accumulates in vector lanes and reduces them horizontally; its max and
    // min return NaN when any element is NaN, as torch.amax does.
    private static float ReduceRow(ReduceKind kind, ReadOnlySpan<float> row) => kind switch
    {
        ReduceKind.Sum => TensorPrimitives.Sum(row),
        ReduceKind.Max => TensorPrimitives.Max(row),
        _ => TensorPrimitives.Min(row),
    };

    private static unsafe void SumOrExtremeLongRow(ReduceKind kind, ReadOnlySpan<float> row, out float result)
    {
        int blocks = (row.Length + RowBlock - 1) / RowBlock;
        var partial = new float[blocks];
        fixed (float* p = row)
        {
            nint ps = (nint)p;
            int n = row.Length;
            Parallelism.For(blocks, b =>
            {
                int start = b * RowBlock;
                partial[b] = ReduceRow(kind, new ReadOnlySpan<float>((float*)ps + start, Math.Min(RowBlock, n - start)));
            });
        }
        result = ReduceRow(kind, partial);
    }

    // acc[j] = reduce over k of x[o, k, i0 + j]: one vectorized row operation per k keeps the order r-sequential.
    private static void AccumulateRows(ReduceKind kind, ReadOnlySpan<float> x, int o, int r, int inner, int i0, Span<float> acc)
    {
        int len = acc.Length;
        if (r == 0)
        {
            acc.Clear();
            return;
        }
        x.Slice(o * r * inner + i0, len).CopyTo(acc);
        for (int k = 1; k < r; k++)
        {
            var row = x.Slice((o * r + k) * inner + i0, len);
            switch (kind)
            {
                case ReduceKind.Sum: TensorPrimitives.Add(acc, row, acc); break;
                case ReduceKind.Max: TensorPrimitives.Max(acc, row, acc); break;
                default: TensorPrimitives.Min(acc, row, acc); break;
            }
        }
    }
}
