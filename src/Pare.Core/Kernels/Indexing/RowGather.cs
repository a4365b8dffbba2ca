using System.Numerics.Tensors;
using Pare.Core.Threading;

namespace Pare.Core.Kernels.Indexing;

/// <summary>Row gathers and their backward, over a tensor viewed as (outer, n, inner): index_select and
/// embedding lookups copy whole rows of <c>inner</c> elements, so the forward is a sequence of block copies and the
/// backward a sequence of vector adds. Indices must already be validated to lie in [0, n).</summary>
public static class RowGather
{
    // Column block of the parallel backward: fixed, so the chunk boundaries (and with them the order in which
    // rows are summed into each output element) never depend on the thread count.
    private const int ColumnBlock = 512;

    // Below this many accumulated elements the backward stays on the calling thread.
    private const int ParallelThreshold = 1 << 16;

    /// <summary>dst[o, j, :] = src[o, index[j], :].</summary>
    /// <param name="src">(outer, n, inner), contiguous</param>
    /// <param name="outer">product of the dimensions before the indexed axis</param>
    /// <param name="n">size of the indexed axis in the source</param>
    /// <param name="inner">product of the dimensions after it (the row length)</param>
    /// <param name="index">(m), each in [0, n)</param>
    /// <param name="dst">(outer, m, inner)</param>
    public static void Forward<T>(ReadOnlySpan<T> src, int outer, int n, int inner, ReadOnlySpan<int> index, Span<T> dst)
    {
        int m = index.Length;
        for (int o = 0; o < outer; o++)
        {
            var srcBlock = src.Slice(o * n * inner, n * inner);
            var dstBlock = dst.Slice(o * m * inner, m * inner);
            for (int j = 0; j < m; j++)
                srcBlock.Slice(index[j] * inner, inner).CopyTo(dstBlock.Slice(j * inner, inner));
        }
    }

    /// <summary>Scalar twin of <see cref="Forward{T}"/>: element by element.</summary>
    public static void ForwardReference<T>(ReadOnlySpan<T> src, int outer, int n, int inner, ReadOnlySpan<int> index, Span<T> dst)
    {
        int m = index.Length;
        for (int o = 0; o < outer; o++)
            for (int j = 0; j < m; j++)
                for (int c = 0; c < inner; c++)
                    dst[(o * m + j) * inner + c] = src[(o * n + index[j]) * inner + c];
    }

    /// <summary>dSrc[o, index[j], :] += dDst[o, j, :], summing the rows of each target in increasing j whatever
    /// the thread count (big inputs are split by outer slice and a fixed column block, never by j).</summary>
    /// <param name="dDst">(outer, m, inner)</param>
    /// <param name="outer">product of the dimensions before the indexed axis</param>
    /// <param name="n">size of the indexed axis in the source</param>
    /// <param name="inner">product of the dimensions after it (the row length)</param>
    /// <param name="index">(m), each in [0, n)</param>
    /// <param name="dSrc">(outer, n, inner), accumulated into</param>
    public static void Backward(ReadOnlySpan<float> dDst, int outer, int n, int inner, ReadOnlySpan<int> index, Span<float> dSrc)
    {
        int m = index.Length;
        if ((long)outer * m * inner < ParallelThreshold)
        {
            AccumulateColumns(dDst, outer, 0, n, inner, 0, inner, index, dSrc);
            return;
        }
        int blocks = (inner + ColumnBlock - 1) / ColumnBlock;
        unsafe
        {
            // Parallel.For bodies cannot capture spans: pin and pass pointers (the callers' memory outlives the loop).
            fixed (float* pd = dDst)
            fixed (float* ps = dSrc)
            fixed (int* pi = index)
            {
                nint d = (nint)pd, s = (nint)ps, ix = (nint)pi;
                int dLen = dDst.Length, sLen = dSrc.Length;
                Parallelism.For(outer * blocks, task =>
                {
                    int o = task / blocks, b = task % blocks;
                    int c0 = b * ColumnBlock, c1 = Math.Min(inner, c0 + ColumnBlock);
                    AccumulateColumns(new ReadOnlySpan<float>((float*)d, dLen), outer: 1, o, n, inner, c0, c1,
                        new ReadOnlySpan<int>((int*)ix, m), new Span<float>((float*)s, sLen));
                });
            }
        }
    }

    // Adds columns [c0, c1) of rows j = 0..m-1 of outer slices [o0, o0+outer) into their target rows.
    private static void AccumulateColumns(ReadOnlySpan<float> dDst, int outer, int o0, int n, int inner, int c0, int c1,
        ReadOnlySpan<int> index, Span<float> dSrc)
    {
        int m = index.Length, w = c1 - c0;
        for (int o = o0; o < o0 + outer; o++)
        {
            for (int j = 0; j < m; j++)
            {
                var row = dDst.Slice((o * m + j) * inner + c0, w);
                var acc = dSrc.Slice((o * n + index[j]) * inner + c0, w);
                TensorPrimitives.Add(acc, row, acc);
            }
        }
    }

    /// <summary>Scalar twin of <see cref="Backward"/>, single-threaded, same summation order.</summary>
    public static void BackwardReference(ReadOnlySpan<float> dDst, int outer, int n, int inner, ReadOnlySpan<int> index, Span<float> dSrc)
    {
        int m = index.Length;
        for (int o = 0; o < outer; o++)
            for (int j = 0; j < m; j++)
                for (int c = 0; c < inner; c++)
                    dSrc[(o * n + index[j]) * inner + c] += dDst[(o * m + j) * inner + c];
    }
}
