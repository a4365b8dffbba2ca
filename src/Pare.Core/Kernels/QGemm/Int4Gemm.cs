using System.Buffers;
using System.Numerics.Tensors;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using Pare.Core.Threading;

namespace Pare.Core.Kernels.QGemm;

/// <summary>Weight-only int4 GEMM/GEMV: Y = A·Wᵀ with W (N×K) stored as 4-bit codes in blocks of
/// <c>blockSize</c> k values, W[n,k] = (q[n,k] − zp[n,block])·scale[n,block] — the layout of ONNX Runtime's
/// MatMulNBits: row n holds ⌈K/blockSize⌉ blocks of blockSize/2 bytes, the even k of each pair in the low nibble.</summary>
/// <remarks>Weights are unpacked on the fly, one row of W at a time, straight into float (scale folded in), and never
/// stored dequantized as a whole. For few rows of A (GEMV, token-by-token decoding) each unpacked row is dotted
/// with every row of A; the codes are read once, so the kernel streams K·N/2 bytes. For many rows of A, chunks of
/// W rows are unpacked into a float panel and multiplied with the float GEMM. The unpack keeps each block's low
/// nibbles (even k) before its high nibbles (odd k) and reorders A the same way, so it needs no byte interleave.</remarks>
public static class Int4Gemm
{
    // from this many rows of A on, unpacking a chunk of W and running the float GEMM beats per-row dots
    private const int GemmRows = 8;

    // W rows unpacked per task (GEMV) or per float-GEMM panel
    private const int ChunkRows = 64;

    /// <summary>Y = A·Wᵀ (+ bias) for int4 W.</summary>
    /// <param name="m">rows of A</param>
    /// <param name="n">rows of W (columns of Y)</param>
    /// <param name="k">inner dimension</param>
    /// <param name="a">(M, K) float, leading dimension <paramref name="lda"/></param>
    /// <param name="lda">leading dimension of A</param>
    /// <param name="codes">(N, blocks, blockSize/2) bytes, blocks = ⌈K/blockSize⌉</param>
    /// <param name="scales">(N, blocks)</param>
    /// <param name="zeroPoints">(N, blocks) codes 0..15, or empty for the symmetric default 8</param>
    /// <param name="blockSize">k values per block: a power of two, at least 16</param>
    /// <param name="bias">empty or N values</param>
    /// <param name="y">(M, N), leading dimension <paramref name="ldy"/></param>
    /// <param name="ldy">leading dimension of Y</param>
    public static void Multiply(int m, int n, int k, ReadOnlySpan<float> a, int lda, ReadOnlySpan<byte> codes, ReadOnlySpan<float> scales,
        ReadOnlySpan<byte> zeroPoints, int blockSize, ReadOnlySpan<float> bias, Span<float> y, int ldy)
    {
        Validate(m, n, k, a.Length, lda, codes.Length, scales.Length, zeroPoints.Length, blockSize, bias.Length, y.Length, ldy);
        if (m == 0 || n == 0) return;
        int blocks = (k + blockSize - 1) / blockSize, kPadded = blocks * blockSize;
        var rented = ArrayPool<float>.Shared.Rent(Math.Max(m * kPadded, ChunkRows * kPadded));
        try
        {
            if (m < GemmRows) Gemv(m, n, k, a, lda, codes, scales, zeroPoints, blockSize, bias, y, ldy, rented);
            else Gemm(m, n, k, a, lda, codes, scales, zeroPoints, blockSize, bias, y, ldy, rented);
        }
        finally
        {
            ArrayPool<float>.Shared.Return(rented);
        }
    }

    /// <summary>Scalar reference: W dequantized element by element, sums in double.</summary>
    /// <param name="m">rows of A</param>
    /// <param name="n">rows of W</param>
    /// <param name="k">inner dimension</param>
    /// <param name="a">(M, K) row-major</param>
    /// <param name="codes">(N, blocks, blockSize/2)</param>
    /// <param name="scales">(N, blocks)</param>
    /// <param name="zeroPoints">(N, blocks) or empty (8)</param>
    /// <param name="blockSize">k per block</param>
    /// <returns>(M, N)</returns>
    public static float[] Reference(int m, int n, int k, ReadOnlySpan<float> a, ReadOnlySpan<byte> codes, ReadOnlySpan<float> scales,
        ReadOnlySpan<byte> zeroPoints, int blockSize)
    {
        int blocks = (k + blockSize - 1) / blockSize;
        var y = new float[m * n];
        for (int i = 0; i < m; i++)
            for (int j = 0; j < n; j++)
            {
                double s = 0;
                for (int p = 0; p < k; p++)
                {
                    int g = p / blockSize, at = j * blocks + g;
                    byte packed = codes[at * (blockSize / 2) + p % blockSize / 2];
                    int q = p % 2 == 0 ? packed & 15 : packed >> 4;
                    s += a[i * k + p] * (double)((q - (zeroPoints.IsEmpty ? 8 : zeroPoints[at])) * scales[at]);
                }
                y[i * n + j] = (float)s;
            }
        return y;
    }

    private static unsafe void Gemv(int m, int n, int k, ReadOnlySpan<float> a, int lda, ReadOnlySpan<byte> codes, ReadOnlySpan<float> scales,
        ReadOnlySpan<byte> zeroPoints, int blockSize, ReadOnlySpan<float> bias, Span<float> y, int ldy, float[] scratch)
    {
        int blocks = (k + blockSize - 1) / blockSize, kPadded = blocks * blockSize;
        var aDe = scratch.AsSpan(0, m * kPadded);
        for (int i = 0; i < m; i++) Deinterleave(a.Slice(i * lda, k), blockSize, aDe.Slice(i * kPadded, kPadded));
        fixed (float* pa = aDe)
        fixed (byte* pc = codes)
        fixed (float* ps = scales)
        fixed (byte* pz = zeroPoints)
        fixed (float* pbias = bias)
        fixed (float* py = y)
        {
            nint aAddr = (nint)pa, cAddr = (nint)pc, sAddr = (nint)ps, zAddr = (nint)pz, bAddr = (nint)pbias, yAddr = (nint)py;
            bool symmetric = zeroPoints.IsEmpty, hasBias = !bias.IsEmpty;
            int tasks = (n + ChunkRows - 1) / ChunkRows;
            Action<int> body = t =>
            {
                var row = ArrayPool<float>.Shared.Rent(kPadded);
                try
                {
                    var w = row.AsSpan(0, kPadded);
                    for (int j = t * ChunkRows; j < Math.Min(n, (t + 1) * ChunkRows); j++)
                    {
                        UnpackRow((byte*)cAddr + (long)j * blocks * (blockSize / 2), (float*)sAddr + (long)j * blocks,
                            symmetric ? null : (byte*)zAddr + (long)j * blocks, blocks, blockSize, w);
                        for (int i = 0; i < m; i++)
                        {
                            float s = TensorPrimitives.Dot(new ReadOnlySpan<float>((float*)aAddr + (long)i * kPadded, kPadded), w);
                            ((float*)yAddr)[(long)i * ldy + j] = hasBias ? s + ((float*)bAddr)[j] : s;
                        }
                    }
                }
                finally
                {
                    ArrayPool<float>.Shared.Return(row);
                }
            };
            if ((long)n * k < 64 * 1024) for (int t = 0; t < tasks; t++) body(t);
            else Parallelism.For(tasks, body);
        }
    }

    private static unsafe void Gemm(int m, int n, int k, ReadOnlySpan<float> a, int lda, ReadOnlySpan<byte> codes, ReadOnlySpan<float> scales,
        ReadOnlySpan<byte> zeroPoints, int blockSize, ReadOnlySpan<float> bias, Span<float> y, int ldy, float[] scratch)
    {
        int blocks = (k + blockSize - 1) / blockSize, kPadded = blocks * blockSize;
        var panel = scratch.AsSpan(0, ChunkRows * kPadded);
        fixed (byte* pc = codes)
        fixed (float* ps = scales)
        fixed (byte* pz = zeroPoints)
        {
            var row = new float[kPadded];
            for (int j0 = 0; j0 < n; j0 += ChunkRows)
            {
                int rows = Math.Min(ChunkRows, n - j0);
                for (int j = 0; j < rows; j++)
                {
                    // unpack in natural k order for the float GEMM
                    UnpackRow(pc + (long)(j0 + j) * blocks * (blockSize / 2), ps + (long)(j0 + j) * blocks,
                        zeroPoints.IsEmpty ? null : pz + (long)(j0 + j) * blocks, blocks, blockSize, row);
                    Interleave(row, blockSize, panel.Slice(j * k, k));
                }
                Kernels.Gemm.Gemm.Sgemm(false, true, m, rows, k, 1f, a, lda, panel, k, 0f, y[j0..], ldy);
            }
        }
        if (!bias.IsEmpty)
            for (int i = 0; i < m; i++) TensorPrimitives.Add(y.Slice(i * ldy, n), bias, y.Slice(i * ldy, n));
    }

    // w = dequantized row: per block, the low nibbles (even k) then the high nibbles (odd k), scale folded in
    private static unsafe void UnpackRow(byte* codes, float* scales, byte* zeroPoints, int blocks, int blockSize, Span<float> w)
    {
        int half = blockSize / 2;
        fixed (float* pw = w)
        {
            for (int g = 0; g < blocks; g++)
            {
                byte* src = codes + g * half;
                float* lo = pw + g * blockSize, hi = lo + half;
                float s = scales[g], offset = -(zeroPoints is null ? 8 : zeroPoints[g]) * s;
                int t = 0;
                if (Vector128.IsHardwareAccelerated)
                {
                    var vs = Vector128.Create(s);
                    var vo = Vector128.Create(offset);
                    var mask = Vector128.Create((byte)15);
                    for (; t + 16 <= half; t += 16)
                    {
                        // 16 bytes → 16 low and 16 high codes, widened u8 → u16 → u32 → float, q·s − zp·s
                        var v = Vector128.Load(src + t);
                        Store(lo + t, v & mask, vs, vo);
                        Store(hi + t, Vector128.ShiftRightLogical(v, 4), vs, vo);
                    }
                }
                for (; t < half; t++)
                {
                    lo[t] = (src[t] & 15) * s + offset;
                    hi[t] = (src[t] >> 4) * s + offset;
                }
            }
        }
    }

    private static unsafe void Store(float* dst, Vector128<byte> codes, Vector128<float> scale, Vector128<float> offset)
    {
        var (w0, w1) = Vector128.Widen(codes);
        var (d0, d1) = Vector128.Widen(w0);
        var (d2, d3) = Vector128.Widen(w1);
        Vector128.Store(Vector128.ConvertToSingle(d0.AsInt32()) * scale + offset, dst);
        Vector128.Store(Vector128.ConvertToSingle(d1.AsInt32()) * scale + offset, dst + 4);
        Vector128.Store(Vector128.ConvertToSingle(d2.AsInt32()) * scale + offset, dst + 8);
        Vector128.Store(Vector128.ConvertToSingle(d3.AsInt32()) * scale + offset, dst + 12);
    }

    // natural order x (K values) → per block evens then odds, zero-padded to whole blocks
    private static void Deinterleave(ReadOnlySpan<float> x, int blockSize, Span<float> dst)
    {
        dst.Clear();
        int half = blockSize / 2;
        for (int p = 0; p < x.Length; p++) dst[p / blockSize * blockSize + (p % 2) * half + p % blockSize / 2] = x[p];
    }

    // the inverse of Deinterleave, first dst.Length values
    private static void Interleave(ReadOnlySpan<float> de, int blockSize, Span<float> dst)
    {
        int half = blockSize / 2;
        for (int p = 0; p < dst.Length; p++) dst[p] = de[p / blockSize * blockSize + (p % 2) * half + p % blockSize / 2];
    }

    private static void Validate(int m, int n, int k, int aLength, int lda, int codes, int scales, int zeroPoints, int blockSize, int bias, int yLength, int ldy)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(m);
        ArgumentOutOfRangeException.ThrowIfNegative(n);
        ArgumentOutOfRangeException.ThrowIfNegative(k);
        if (blockSize < 16 || (blockSize & (blockSize - 1)) != 0) throw new ArgumentException($"int4 gemm: block size {blockSize} is not a power of two ≥ 16");
        long blocks = (k + blockSize - 1) / blockSize;
        if (codes < n * blocks * (blockSize / 2)) throw new ArgumentException($"int4 gemm: {codes} code bytes, need {n * blocks * (blockSize / 2)} for N={n}, K={k}, block {blockSize}");
        if (scales < n * blocks) throw new ArgumentException($"int4 gemm: {scales} scales, need {n * blocks}");
        if (zeroPoints != 0 && zeroPoints < n * blocks) throw new ArgumentException($"int4 gemm: {zeroPoints} zero points, need 0 or {n * blocks}");
        if (bias != 0 && bias != n) throw new ArgumentException($"int4 gemm: {bias} bias values for N={n}");
        if (m > 0 && (lda < k || aLength < (long)(m - 1) * lda + k)) throw new ArgumentException($"int4 gemm: A ({m}×{k}, ld {lda}) is too short ({aLength})");
        if (m > 0 && n > 0 && (ldy < n || yLength < (long)(m - 1) * ldy + n)) throw new ArgumentException($"int4 gemm: Y ({m}×{n}, ld {ldy}) is too short ({yLength})");
    }
}
