using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using Pare.Core.Threading;

namespace Pare.Core.Kernels.Indexing;

/// <summary>Transpose of a byte matrix (the NCHW ⇄ NHWC moves around int8 convolutions): 16×16 blocks in SSE2
/// registers — four rounds of the perfect shuffle new[2i] = unpacklo8(old[i], old[i+8]), new[2i+1] =
/// unpackhi8(old[i], old[i+8]) turn rows into columns — and a scalar loop for the edges (and the twin).</summary>
public static class ByteTranspose
{
    /// <summary>dst (cols × rows) = srcᵀ, src (rows × cols), both row-major and dense.</summary>
    /// <param name="src">rows·cols bytes</param>
    /// <param name="rows">rows of src</param>
    /// <param name="cols">columns of src</param>
    /// <param name="dst">cols·rows bytes</param>
    public static unsafe void Run(ReadOnlySpan<byte> src, int rows, int cols, Span<byte> dst)
    {
        Check(src, rows, cols, dst);
        fixed (byte* ps = src)
        fixed (byte* pd = dst) Range(ps, pd, rows, cols, 0, rows, 0, cols);
    }

    /// <summary><see cref="Run"/> split over the compute pool: the longer side in 16-aligned ranges, one task
    /// each (every destination byte is written by exactly one task, so the result is the same).</summary>
    /// <param name="src">rows·cols bytes</param>
    /// <param name="rows">rows of src</param>
    /// <param name="cols">columns of src</param>
    /// <param name="dst">cols·rows bytes</param>
    public static unsafe void RunParallel(ReadOnlySpan<byte> src, int rows, int cols, Span<byte> dst)
    {
        Check(src, rows, cols, dst);
        int threads = Parallelism.ThreadCount;
        if (threads == 1 || (long)rows * cols < 1 << 15)
        {
            Run(src, rows, cols, dst);
            return;
        }
        fixed (byte* ps = src)
        fixed (byte* pd = dst)
        {
            byte* s = ps, d = pd;
            bool byRows = rows >= cols;
            int blocks = ((byRows ? rows : cols) + 15) / 16, tasks = Math.Min(blocks, 2 * threads);
            Parallelism.For(tasks, t =>
            {
                int b0 = (int)((long)blocks * t / tasks) * 16, b1 = (int)Math.Min((long)blocks * (t + 1) / tasks * 16, byRows ? rows : cols);
                if (byRows) Range(s, d, rows, cols, b0, b1, 0, cols);
                else Range(s, d, rows, cols, 0, rows, b0, b1);
            });
        }
    }

    private static void Check(ReadOnlySpan<byte> src, int rows, int cols, Span<byte> dst)
    {
        if (rows < 0 || cols < 0 || src.Length < (long)rows * cols || dst.Length < (long)rows * cols)
            throw new ArgumentException($"transpose: {rows}×{cols} needs {(long)rows * cols} bytes");
    }

    // the sub-matrix src[r0..r1, c0..c1) into dst: whole 16×16 blocks from (r0, c0), then the right and bottom strips
    private static unsafe void Range(byte* ps, byte* pd, int rows, int cols, int r0, int r1, int c0, int c1)
    {
        int r16 = Sse2.IsSupported ? r0 + ((r1 - r0) & ~15) : r0, c16 = Sse2.IsSupported ? c0 + ((c1 - c0) & ~15) : c0;
        for (int r = r0; r < r16; r += 16)
            for (int c = c0; c < c16; c += 16) Block(ps + (long)r * cols + c, cols, pd + (long)c * rows + r, rows);
        Scalar(ps, pd, rows, cols, r0, r16, c16, c1);
        Scalar(ps, pd, rows, cols, r16, r1, c0, c1);
    }

    /// <summary>Scalar reference.</summary>
    /// <param name="src">rows·cols bytes</param>
    /// <param name="rows">rows of src</param>
    /// <param name="cols">columns of src</param>
    /// <param name="dst">cols·rows bytes</param>
    public static void Reference(ReadOnlySpan<byte> src, int rows, int cols, Span<byte> dst)
    {
        for (int r = 0; r < rows; r++)
            for (int c = 0; c < cols; c++) dst[c * rows + r] = src[r * cols + c];
    }

    private static unsafe void Scalar(byte* src, byte* dst, int rows, int cols, int r0, int r1, int c0, int c1)
    {
        for (int r = r0; r < r1; r++)
            for (int c = c0; c < c1; c++) dst[(long)c * rows + r] = src[(long)r * cols + c];
    }

    private static unsafe void Block(byte* src, int lds, byte* dst, int ldd)
    {
        var v0 = Sse2.LoadVector128(src); var v1 = Sse2.LoadVector128(src + lds);
        var v2 = Sse2.LoadVector128(src + 2 * lds); var v3 = Sse2.LoadVector128(src + 3 * lds);
        var v4 = Sse2.LoadVector128(src + 4 * lds); var v5 = Sse2.LoadVector128(src + 5 * lds);
        var v6 = Sse2.LoadVector128(src + 6 * lds); var v7 = Sse2.LoadVector128(src + 7 * lds);
        var v8 = Sse2.LoadVector128(src + 8 * lds); var v9 = Sse2.LoadVector128(src + 9 * lds);
        var v10 = Sse2.LoadVector128(src + 10 * lds); var v11 = Sse2.LoadVector128(src + 11 * lds);
        var v12 = Sse2.LoadVector128(src + 12 * lds); var v13 = Sse2.LoadVector128(src + 13 * lds);
        var v14 = Sse2.LoadVector128(src + 14 * lds); var v15 = Sse2.LoadVector128(src + 15 * lds);
        for (int round = 0; round < 4; round++)
        {
            var n0 = Sse2.UnpackLow(v0, v8); var n1 = Sse2.UnpackHigh(v0, v8);
            var n2 = Sse2.UnpackLow(v1, v9); var n3 = Sse2.UnpackHigh(v1, v9);
            var n4 = Sse2.UnpackLow(v2, v10); var n5 = Sse2.UnpackHigh(v2, v10);
            var n6 = Sse2.UnpackLow(v3, v11); var n7 = Sse2.UnpackHigh(v3, v11);
            var n8 = Sse2.UnpackLow(v4, v12); var n9 = Sse2.UnpackHigh(v4, v12);
            var n10 = Sse2.UnpackLow(v5, v13); var n11 = Sse2.UnpackHigh(v5, v13);
            var n12 = Sse2.UnpackLow(v6, v14); var n13 = Sse2.UnpackHigh(v6, v14);
            var n14 = Sse2.UnpackLow(v7, v15); var n15 = Sse2.UnpackHigh(v7, v15);
            (v0, v1, v2, v3, v4, v5, v6, v7) = (n0, n1, n2, n3, n4, n5, n6, n7);
            (v8, v9, v10, v11, v12, v13, v14, v15) = (n8, n9, n10, n11, n12, n13, n14, n15);
        }
        Sse2.Store(dst, v0); Sse2.Store(dst + ldd, v1); Sse2.Store(dst + 2 * ldd, v2); Sse2.Store(dst + 3 * ldd, v3);
        Sse2.Store(dst + 4 * ldd, v4); Sse2.Store(dst + 5 * ldd, v5); Sse2.Store(dst + 6 * ldd, v6); Sse2.Store(dst + 7 * ldd, v7);
        Sse2.Store(dst + 8 * ldd, v8); Sse2.Store(dst + 9 * ldd, v9); Sse2.Store(dst + 10 * ldd, v10); Sse2.Store(dst + 11 * ldd, v11);
        Sse2.Store(dst + 12 * ldd, v12); Sse2.Store(dst + 13 * ldd, v13); Sse2.Store(dst + 14 * ldd, v14); Sse2.Store(dst + 15 * ldd, v15);
    }
}
