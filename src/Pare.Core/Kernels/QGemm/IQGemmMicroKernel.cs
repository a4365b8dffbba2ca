namespace Pare.Core.Kernels.QGemm;

/// <summary>A register-tiled integer micro-kernel: raw sums C[0..MR, 0..NR] = Σ_k A[i,k]·B[k,j] (u8 × s8 → s32, no
/// zero points) over a packed A panel and NR columns of a packed B panel.</summary>
internal interface IQGemmMicroKernel
{
    /// <summary>Rows per tile.</summary>
    static abstract int MR { get; }

    /// <summary>Columns per call (a divisor of <see cref="QGemmPackedB.PanelWidth"/>).</summary>
    static abstract int NR { get; }

    /// <summary>Whether the instructions exist on this CPU.</summary>
    static abstract bool IsSupported { get; }

    /// <summary>A is packed as int16 (u8 zero-extended, for vpmaddwd) rather than as bytes.</summary>
    static abstract bool WideA { get; }

    /// <summary>Writes the MR×NR raw sums (overwriting C).</summary>
    /// <param name="kq">k quads</param>
    /// <param name="a">packed A panel: kq groups of MR quads (4 bytes, or 4 int16 when <see cref="WideA"/>)</param>
    /// <param name="b">first column of the panel to use; quads at a stride of PanelWidth·4 bytes</param>
    /// <param name="c">top-left of the MR×NR int32 tile</param>
    /// <param name="ldc">row stride of the tile</param>
    static abstract unsafe void Run(int kq, byte* a, sbyte* b, int* c, int ldc);

    /// <summary>The kernel has a one-row form (<see cref="RunRow"/>) for products with a few rows.</summary>
    static virtual bool RowKernel => false;

    /// <summary>One row of A read in place (<paramref name="kq"/> whole quads, as <see cref="RunDirect"/>) times the
    /// panel: NR sums at <paramref name="c"/>.</summary>
    /// <param name="kq">k quads</param>
    /// <param name="a">the row in A</param>
    /// <param name="b">first column of the panel to use</param>
    /// <param name="c">the NR int32 sums</param>
    static virtual unsafe void RunRow(int kq, byte* a, sbyte* b, int* c) => throw new NotSupportedException();

    /// <summary>The kernel can also read A in place (<see cref="RunDirect"/>), without packing.</summary>
    static virtual bool DirectA => false;

    /// <summary>As <see cref="Run"/> with A read in place: MR rows <paramref name="lda"/> bytes apart, each read as
    /// <paramref name="kq"/> whole quads — up to 3 bytes past the row's K values, which meet B's zero padding.</summary>
    /// <param name="kq">k quads</param>
    /// <param name="a">first row of the tile in A (uint8)</param>
    /// <param name="lda">bytes between rows of A</param>
    /// <param name="b">first column of the panel to use</param>
    /// <param name="c">top-left of the MR×NR int32 tile</param>
    /// <param name="ldc">row stride of the tile</param>
    static virtual unsafe void RunDirect(int kq, byte* a, int lda, sbyte* b, int* c, int ldc) => throw new NotSupportedException();
}
