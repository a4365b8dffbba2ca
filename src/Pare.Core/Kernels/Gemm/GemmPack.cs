using System.Runtime.Intrinsics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics.X86;

namespace Pare.Core.Kernels.Gemm;

/// <summary>Packing of GEMM operands into the k-major panels the micro-kernels stream: A into panels of MR rows
/// (kc groups of MR values), B into panels of NR columns (kc groups of NR values). Transposes are absorbed here;
/// rows/columns past the matrix edge are zero so a kernel can always compute a full tile.</summary>
internal static class GemmPack
{
    /// <summary>Packs rows [i0, i0+mb) × k-range [p0, p0+kc) of op(A) into panels [panel0, panel1) of dst, panel q
    /// at q·MR·kc. A is M×K (lda), or K×M (lda) when transA.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static unsafe void PackA(int mrFull, bool transA, float* a, int lda, int i0, int mb, int p0, int kc,
        float* dst, int panel0, int panel1)
    {
        for (int q = panel0; q < panel1; q++)
        {
            float* panel = dst + (long)q * mrFull * kc;
            int r0 = q * mrFull;
            int mr = Math.Min(mrFull, mb - r0);
            if (transA)
            {
                // A stored K×M: the MR values of one k step are contiguous in memory
                float* src = a + (long)p0 * lda + i0 + r0;
                for (int p = 0; p < kc; p++, src += lda, panel += mrFull)
                {
                    int i = 0;
                    for (; i < mr; i++) panel[i] = src[i];
                    for (; i < mrFull; i++) panel[i] = 0;
                }
            }
            else
            {
                // A stored M×K: each row of A becomes a column of the k-major panel
                Transpose(a + (long)(i0 + r0) * lda + p0, lda, mr, kc, panel, mrFull);
                for (int i = mr; i < mrFull; i++)
                {
                    float* d = panel + i;
                    for (int p = 0; p < kc; p++, d += mrFull) *d = 0;
                }
            }
        }
    }

    /// <summary>Packs k-range [p0, p0+kc) × columns [j0, j0+nb) of op(B) into ceil(nb/NR) panels of dst, panel q
    /// at q·NR·kc. B is K×N (ldb), or N×K (ldb) when transB.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static unsafe void PackB(int nrFull, bool transB, float* b, int ldb, int p0, int kc, int j0, int nb, float* dst)
    {
        int panels = (nb + nrFull - 1) / nrFull;
        for (int q = 0; q < panels; q++)
        {
            float* panel = dst + (long)q * nrFull * kc;
            int c0 = j0 + q * nrFull;
            int nr = Math.Min(nrFull, nb - q * nrFull);
            if (!transB)
            {
                // B stored K×N: one k step of the panel is a contiguous run of a row of B
                float* src = b + (long)p0 * ldb + c0;
                for (int p = 0; p < kc; p++, src += ldb, panel += nrFull)
                {
                    if (nr == nrFull)
                    {
                        // vector moves inline: a CopyBlock of this (non-constant) size is a call into Buffer.Memmove
                        // per k step, which profiles showed at ~6% of a PaddleOCR run (1×1 convs pack B this way)
                        int j = 0;
                        if (Vector512.IsHardwareAccelerated)
                            for (; j <= nrFull - 16; j += 16) Vector512.Store(Vector512.Load(src + j), panel + j);
                        if (Vector256.IsHardwareAccelerated)
                            for (; j <= nrFull - 8; j += 8) Vector256.Store(Vector256.Load(src + j), panel + j);
                        for (; j < nrFull; j++) panel[j] = src[j];
                    }
                    else
                    {
                        int j = 0;
                        for (; j < nr; j++) panel[j] = src[j];
                        for (; j < nrFull; j++) panel[j] = 0;
                    }
                }
            }
            else
            {
                // B stored N×K: each row of B (a column of op(B)) becomes a column of the k-major panel
                Transpose(b + (long)c0 * ldb + p0, ldb, nr, kc, panel, nrFull);
                for (int j = nr; j < nrFull; j++)
                {
                    float* d = panel + j;
                    for (int p = 0; p < kc; p++, d += nrFull) *d = 0;
                }
            }
        }
    }

    /// <summary>An 8×8 block through registers: rows r0..r7 (8 k values each) in, vector j = k value j of the eight
    /// rows out, stored at dst + j·stride. Unpack pairs rows, shuffle makes 4-row groups per 128-bit lane, and the
    /// lane permute joins rows 0-3 with rows 4-7.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe void Transpose8x8(float* s, int ld, float* d, int stride)
    {
        var r0 = Avx.LoadVector256(s);
        var r1 = Avx.LoadVector256(s + ld);
        var r2 = Avx.LoadVector256(s + 2L * ld);
        var r3 = Avx.LoadVector256(s + 3L * ld);
        var r4 = Avx.LoadVector256(s + 4L * ld);
        var r5 = Avx.LoadVector256(s + 5L * ld);
        var r6 = Avx.LoadVector256(s + 6L * ld);
        var r7 = Avx.LoadVector256(s + 7L * ld);
        var t0 = Avx.UnpackLow(r0, r1);   // per lane: r0[0] r1[0] r0[1] r1[1]
        var t1 = Avx.UnpackHigh(r0, r1);  // per lane: r0[2] r1[2] r0[3] r1[3]
        var t2 = Avx.UnpackLow(r2, r3);
        var t3 = Avx.UnpackHigh(r2, r3);
        var t4 = Avx.UnpackLow(r4, r5);
        var t5 = Avx.UnpackHigh(r4, r5);
        var t6 = Avx.UnpackLow(r6, r7);
        var t7 = Avx.UnpackHigh(r6, r7);
        var u0 = Avx.Shuffle(t0, t2, 0x44); // per lane: k = 0 of rows 0-3
        var u1 = Avx.Shuffle(t0, t2, 0xEE); // k = 1
        var u2 = Avx.Shuffle(t1, t3, 0x44); // k = 2
        var u3 = Avx.Shuffle(t1, t3, 0xEE); // k = 3
        var u4 = Avx.Shuffle(t4, t6, 0x44); // the same for rows 4-7
        var u5 = Avx.Shuffle(t4, t6, 0xEE);
        var u6 = Avx.Shuffle(t5, t7, 0x44);
        var u7 = Avx.Shuffle(t5, t7, 0xEE);
        // low lanes hold k = 0..3, high lanes k = 4..7
        Avx.Store(d, Avx.Permute2x128(u0, u4, 0x20));
        Avx.Store(d + stride, Avx.Permute2x128(u1, u5, 0x20));
        Avx.Store(d + 2L * stride, Avx.Permute2x128(u2, u6, 0x20));
        Avx.Store(d + 3L * stride, Avx.Permute2x128(u3, u7, 0x20));
        Avx.Store(d + 4L * stride, Avx.Permute2x128(u0, u4, 0x31));
        Avx.Store(d + 5L * stride, Avx.Permute2x128(u1, u5, 0x31));
        Avx.Store(d + 6L * stride, Avx.Permute2x128(u2, u6, 0x31));
        Avx.Store(d + 7L * stride, Avx.Permute2x128(u3, u7, 0x31));
    }

    /// <summary>dst[p·stride + i] = src[i·ld + p] for i &lt; rows, p &lt; kc: rows of the source become columns of the
    /// panel. Whole 8×8 blocks go through AVX registers, then whole 4×4 blocks through SSE ones (four row loads, an SSE
    /// transpose, four stores); the rest is scalar.</summary>
    private static unsafe void Transpose(float* src, int ld, int rows, int kc, float* dst, int stride)
    {
        int i = 0;
        if (Avx.IsSupported)
        {
            for (; i + 8 <= rows; i += 8)
            {
                float* s = src + (long)i * ld;
                float* d = dst + i;
                int p = 0;
                for (; p + 8 <= kc; p += 8, d += 8 * stride) Transpose8x8(s + p, ld, d, stride);
                for (; p < kc; p++, d += stride)
                    for (int r = 0; r < 8; r++) d[r] = s[(long)r * ld + p];
            }
        }
        if (Sse.IsSupported)
        {
            for (; i + 4 <= rows; i += 4)
            {
                float* s0 = src + (long)i * ld, s1 = s0 + ld, s2 = s1 + ld, s3 = s2 + ld;
                float* d = dst + i;
                int p = 0;
                for (; p + 4 <= kc; p += 4, d += 4 * stride)
                {
                    // rows r0..r3 hold k values p..p+3; after the transpose, vector j holds k = p+j of rows 0..3
                    var r0 = Sse.LoadVector128(s0 + p);
                    var r1 = Sse.LoadVector128(s1 + p);
                    var r2 = Sse.LoadVector128(s2 + p);
                    var r3 = Sse.LoadVector128(s3 + p);
                    var t0 = Sse.UnpackLow(r0, r1);    // r0[0] r1[0] r0[1] r1[1]
                    var t1 = Sse.UnpackLow(r2, r3);    // r2[0] r3[0] r2[1] r3[1]
                    var t2 = Sse.UnpackHigh(r0, r1);   // r0[2] r1[2] r0[3] r1[3]
                    var t3 = Sse.UnpackHigh(r2, r3);   // r2[2] r3[2] r2[3] r3[3]
                    Sse.Store(d, Sse.MoveLowToHigh(t0, t1));               // k = p
                    Sse.Store(d + stride, Sse.MoveHighToLow(t1, t0));      // k = p+1
                    Sse.Store(d + 2 * stride, Sse.MoveLowToHigh(t2, t3));  // k = p+2
                    Sse.Store(d + 3 * stride, Sse.MoveHighToLow(t3, t2));  // k = p+3
                }
                for (; p < kc; p++, d += stride)
                {
                    d[0] = s0[p]; d[1] = s1[p]; d[2] = s2[p]; d[3] = s3[p];
                }
            }
        }
        for (; i < rows; i++)
        {
            float* s = src + (long)i * ld;
            float* d = dst + i;
            for (int p = 0; p < kc; p++, d += stride) *d = s[p];
        }
    }
}
