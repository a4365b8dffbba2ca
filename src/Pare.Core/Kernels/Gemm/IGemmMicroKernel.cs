namespace Pare.Core.Kernels.Gemm;

/// <summary>A register-tiled GEMM micro-kernel: C[0..MR, 0..NR] = α·(packed A panel)·(packed B panel) + β·C.
/// The driver is generic over this interface so that MR, NR and the kernel body are JIT-time constants.</summary>
internal interface IGemmMicroKernel
{
    /// <summary>Rows of the C tile (A values broadcast per k step).</summary>
    static abstract int MR { get; }

    /// <summary>Columns of the C tile (B values loaded as vectors per k step).</summary>
    static abstract int NR { get; }

    /// <summary>Whether the instructions the kernel uses exist on this CPU.</summary>
    static abstract bool IsSupported { get; }

    /// <summary>Depth of a k block: the MR×KC A micro-panel stays in L1 while the B block streams past it.</summary>
    static abstract int KC { get; }

    /// <summary>Accumulates kc rank-1 updates of the tile in k order, then stores α·acc (β == 0, old C never
    /// read) or α·acc + β·C, each element rounded as fma(acc, α, β·C).</summary>
    /// <param name="kc">number of k steps</param>
    /// <param name="a">packed A panel: kc groups of MR values (k-major), 64-byte aligned</param>
    /// <param name="b">packed B panel: kc groups of NR values (k-major), 64-byte aligned</param>
    /// <param name="c">top-left element of the MR×NR tile of C</param>
    /// <param name="ldc">leading dimension of C</param>
    /// <param name="alpha">scale of the product</param>
    /// <param name="beta">scale of the old C</param>
    static abstract unsafe void Run(int kc, float* a, float* b, float* c, int ldc, float alpha, float beta);

    /// <summary>Whether <see cref="RunQuad"/> exists: a 4×NR tile for the last rows of an M that is not a multiple of
    /// MR (M = 64 with MR = 12 leaves 4 rows, which the full kernel would compute as 12).</summary>
    static abstract bool HasQuad { get; }

    /// <summary>As <see cref="Run"/> for rows 0..3 of the A panel only (the panel keeps its MR-wide layout), with
    /// the same per-element arithmetic, so a row gets the same bits from either kernel.</summary>
    /// <param name="kc">number of k steps</param>
    /// <param name="a">packed A panel (MR values per k step), offset to the first of the four rows</param>
    /// <param name="b">packed B panel, 64-byte aligned</param>
    /// <param name="c">top-left element of the 4×NR tile of C</param>
    /// <param name="ldc">leading dimension of C</param>
    /// <param name="alpha">scale of the product</param>
    /// <param name="beta">scale of the old C</param>
    static abstract unsafe void RunQuad(int kc, float* a, float* b, float* c, int ldc, float alpha, float beta);
}
