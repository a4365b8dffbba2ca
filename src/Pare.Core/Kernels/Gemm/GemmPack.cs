using System.Runtime.CompilerServices;

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
                // A stored M×K: read each row contiguously and scatter it down the panel with stride MR
                for (int i = 0; i < mr; i++)
                {
                    float* src = a + (long)(i0 + r0 + i) * lda + p0;
                    float* d = panel + i;
                    for (int p = 0; p < kc; p++, d += mrFull) *d = src[p];
                }
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
                        Unsafe.CopyBlockUnaligned(panel, src, (uint)(nrFull * sizeof(float)));
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
                // B stored N×K: read each row of B (a column of op(B)) contiguously, scatter with stride NR
                for (int j = 0; j < nr; j++)
                {
                    float* src = b + (long)(c0 + j) * ldb + p0;
                    float* d = panel + j;
                    for (int p = 0; p < kc; p++, d += nrFull) *d = src[p];
                }
                for (int j = nr; j < nrFull; j++)
                {
                    float* d = panel + j;
                    for (int p = 0; p < kc; p++, d += nrFull) *d = 0;
                }
            }
        }
    }
}
