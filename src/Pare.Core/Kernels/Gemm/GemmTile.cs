using System.Runtime.CompilerServices;

namespace Pare.Core.Kernels.Gemm;

/// <summary>Helpers shared by the micro-kernels: the α/β combine of one element and the write-back of a partial
/// (edge) tile that the kernel computed into a scratch tile.</summary>
internal static class GemmTile
{
    /// <summary>α·acc + β·c rounded once, exactly as the vector kernels' fma(acc, α, β·c).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Combine(float acc, float alpha, float beta, float c) => MathF.FusedMultiplyAdd(acc, alpha, beta * c);

    /// <summary>Writes the top-left mr×nr corner of a raw accumulator tile (α = 1, β = 0 in the kernel, so it holds
    /// acc exactly) into C with the same rounding as a full tile.</summary>
    /// <param name="tile">MR×NR accumulators, row stride <paramref name="nrFull"/></param>
    /// <param name="nrFull">NR of the kernel</param>
    /// <param name="c">top-left element of the tile in C</param>
    /// <param name="ldc">leading dimension of C</param>
    /// <param name="mr">valid rows</param>
    /// <param name="nr">valid columns</param>
    /// <param name="alpha">scale of the product</param>
    /// <param name="beta">scale of the old C</param>
    public static unsafe void StoreEdge(float* tile, int nrFull, float* c, int ldc, int mr, int nr, float alpha, float beta)
    {
        for (int i = 0; i < mr; i++)
        {
            float* src = tile + i * nrFull;
            float* dst = c + (long)i * ldc;
            if (beta == 0)
            {
                for (int j = 0; j < nr; j++) dst[j] = alpha * src[j];
            }
            else
            {
                for (int j = 0; j < nr; j++) dst[j] = Combine(src[j], alpha, beta, dst[j]);
            }
        }
    }
}
