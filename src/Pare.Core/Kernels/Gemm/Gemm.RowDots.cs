using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using Pare.Core.Threading;

namespace Pare.Core.Kernels.Gemm;

// C = β·C + A·Bᵀ when Bᵀ has few columns (B few rows): every C element is the dot product of a row of A with a row
// of B, both contiguous, so A (the weights: a conv's filters, an LSTM's W or R) is streamed once as stored — no
// packing, no transposed copy to cache. This is the shape of batch-1 inference on small models: a conv with an
// output plane of a few positions (silero's STFT and encoder), a recurrent step (B = the batch), a GEMV.
// Blocking: 2 rows of A × 4 rows of B keep 8 vector accumulators over the k loop (6 loads per 8 FMAs); 2 or 3 leftover
// B rows take the same block, a single one goes 4 rows of A at a time; each accumulator is summed across lanes, then
// the k tail added — the same operations for an element whichever block computes it.
public static partial class Gemm
{
    /// <summary>The largest n <see cref="SgemmRowDots"/> is meant for; beyond it the tiled <c>Sgemm</c> (which packs
    /// A once and reuses it over many columns) wins.</summary>
    public const int RowDotsMaxN = 16;

    /// <summary>Multiply-adds (m·n·k) from which <see cref="SgemmRowDots"/> splits its rows over the pool: below it
    /// the fork/join costs more than the second core saves.</summary>
    public const long RowDotsParallelWork = 1 << 15;

    // rows per parallel chunk (even, so the 2-row blocks fall the same way in every chunk)
    private const int RowDotsChunk = 32;

    /// <summary>C[i, j] = β·C[i, j] + A[i, :]·B[j, :] for i &lt; m, j &lt; n: C = β·C + A·Bᵀ with A (m×k) and B (n×k)
    /// row-major. C element (i, j) is at <c>c[i·rowStride + j·colStride]</c>, so C may be stored either way round
    /// (a conv writes (C_out, plane) with colStride 1, a recurrent step (B, G·H) with rowStride 1). Any n is correct;
    /// it is fast for n ≤ <see cref="RowDotsMaxN"/>.</summary>
    /// <param name="m">rows of A (and of C)</param>
    /// <param name="n">rows of B (columns of C)</param>
    /// <param name="k">inner dimension</param>
    /// <param name="a">A, leading dimension <paramref name="lda"/> ≥ k</param>
    /// <param name="lda">leading dimension of A</param>
    /// <param name="b">B, leading dimension <paramref name="ldb"/> ≥ k</param>
    /// <param name="ldb">leading dimension of B</param>
    /// <param name="beta">0 (C overwritten, never read) or any scale of the old C</param>
    /// <param name="c">C</param>
    /// <param name="rowStride">distance between C[i, j] and C[i + 1, j]</param>
    /// <param name="colStride">distance between C[i, j] and C[i, j + 1]</param>
    public static void SgemmRowDots(int m, int n, int k, ReadOnlySpan<float> a, int lda, ReadOnlySpan<float> b, int ldb,
        float beta, Span<float> c, int rowStride, int colStride)
    {
        if (m < 0 || n < 0 || k < 0) throw new ArgumentException($"row dots: negative size m {m}, n {n}, k {k}");
        if (m == 0 || n == 0) return;
        if (lda < k || ldb < k || rowStride < 0 || colStride < 0)
            throw new ArgumentException($"row dots: lda {lda} and ldb {ldb} must be ≥ k {k}, strides ({rowStride}, {colStride}) non-negative");
        if (a.Length < (long)(m - 1) * lda + k || b.Length < (long)(n - 1) * ldb + k || c.Length <= (long)(m - 1) * rowStride + (long)(n - 1) * colStride)
            throw new ArgumentException($"row dots: spans too short for m {m}, n {n}, k {k} (A {a.Length}, B {b.Length}, C {c.Length})");
        if ((long)m * n * k < RowDotsParallelWork || Parallelism.ThreadCount == 1 || m < 2 * RowDotsChunk)
        {
            RowRange(0, m, n, k, ref MemoryMarshal.GetReference(a), lda, ref MemoryMarshal.GetReference(b), ldb, beta,
                ref MemoryMarshal.GetReference(c), rowStride, colStride);
            return;
        }
        // fixed chunks of rows: every C element is computed by the same code whichever thread runs its chunk, so
        // results do not depend on the thread count; each core streams only its share of A (its own L2 keeps it)
        unsafe
        {
            fixed (float* pa = a, pb = b, pc = c)
            {
                float* pa1 = pa, pb1 = pb, pc1 = pc;
                Parallelism.For((m + RowDotsChunk - 1) / RowDotsChunk, t =>
                {
                    int i0 = t * RowDotsChunk;
                    RowRange(i0, Math.Min(m, i0 + RowDotsChunk), n, k, ref *pa1, lda, ref *pb1, ldb, beta, ref *pc1, rowStride, colStride);
                });
            }
        }
    }

    // rows [i0, i1) of C: blocks of 4 columns (2 rows at a time), then the 1–3 columns left over
    private static void RowRange(int i0, int i1, int n, int k, ref float a0, int lda, ref float b0, int ldb, float beta,
        ref float c0, int rowStride, int colStride)
    {
        int j = 0;
        for (; j + 4 <= n; j += 4)
        {
            int i = i0;
            for (; i + 2 <= i1; i += 2) Block2x4(i, j, 4, k, ref a0, lda, ref b0, ldb, beta, ref c0, rowStride, colStride);
            if (i < i1) Block2x4(i, j, 4, k, ref a0, lda, ref b0, ldb, beta, ref c0, rowStride, colStride, rows: 1);
        }
        if (n - j >= 2)
        {
            // 2 or 3 columns: one pass over A with the missing columns computed on a duplicate and dropped
            int i = i0;
            for (; i + 2 <= i1; i += 2) Block2x4(i, j, n - j, k, ref a0, lda, ref b0, ldb, beta, ref c0, rowStride, colStride);
            if (i < i1) Block2x4(i, j, n - j, k, ref a0, lda, ref b0, ldb, beta, ref c0, rowStride, colStride, rows: 1);
        }
        else if (n - j == 1)
        {
            int i = i0;
            if (Avx.IsSupported && Fma.IsSupported && Vector<float>.Count == 8)
                for (; i + 8 <= i1; i += 8) Block8x1(i, j, k, ref a0, lda, ref b0, ldb, beta, ref c0, rowStride, colStride);
            for (; i + 4 <= i1; i += 4) Block4x1(i, 4, j, k, ref a0, lda, ref b0, ldb, beta, ref c0, rowStride, colStride);
            if (i < i1) Block4x1(i, i1 - i, j, k, ref a0, lda, ref b0, ldb, beta, ref c0, rowStride, colStride);
        }
    }

    // rows i, i+1 (or just i) of A against rows j..j+cols−1 (cols ≤ 4) of B; missing rows and columns alias the
    // first ones, so the loop has no branches, and their sums are dropped
    private static void Block2x4(int i, int j, int cols, int k, ref float a0, int lda, ref float b0, int ldb, float beta,
        ref float c0, int rowStride, int colStride, int rows = 2)
    {
        int w = Vector<float>.Count;
        ref float ar0 = ref Unsafe.Add(ref a0, i * lda);
        ref float ar1 = ref Unsafe.Add(ref ar0, rows > 1 ? lda : 0);
        ref float br0 = ref Unsafe.Add(ref b0, j * ldb);
        ref float br1 = ref Unsafe.Add(ref br0, cols > 1 ? ldb : 0);
        ref float br2 = ref Unsafe.Add(ref br0, cols > 2 ? 2 * ldb : 0);
        ref float br3 = ref Unsafe.Add(ref br0, cols > 3 ? 3 * ldb : 0);
        Vector<float> s00 = default, s01 = default, s02 = default, s03 = default;
        Vector<float> s10 = default, s11 = default, s12 = default, s13 = default;
        int p = 0;
        for (; p + w <= k; p += w)
        {
            var x0 = Load(ref ar0, p);
            var x1 = Load(ref ar1, p);
            var y = Load(ref br0, p);
            s00 = Vector.FusedMultiplyAdd(x0, y, s00);
            s10 = Vector.FusedMultiplyAdd(x1, y, s10);
            y = Load(ref br1, p);
            s01 = Vector.FusedMultiplyAdd(x0, y, s01);
            s11 = Vector.FusedMultiplyAdd(x1, y, s11);
            y = Load(ref br2, p);
            s02 = Vector.FusedMultiplyAdd(x0, y, s02);
            s12 = Vector.FusedMultiplyAdd(x1, y, s12);
            y = Load(ref br3, p);
            s03 = Vector.FusedMultiplyAdd(x0, y, s03);
            s13 = Vector.FusedMultiplyAdd(x1, y, s13);
        }
        ref float ci = ref Unsafe.Add(ref c0, i * rowStride + j * colStride);
        Finish(ref ci, beta, s00, ref ar0, ref br0, p, k);
        if (cols > 1) Finish(ref Unsafe.Add(ref ci, colStride), beta, s01, ref ar0, ref br1, p, k);
        if (cols > 2) Finish(ref Unsafe.Add(ref ci, 2 * colStride), beta, s02, ref ar0, ref br2, p, k);
        if (cols > 3) Finish(ref Unsafe.Add(ref ci, 3 * colStride), beta, s03, ref ar0, ref br3, p, k);
        if (rows < 2) return;
        ref float ci1 = ref Unsafe.Add(ref ci, rowStride);
        Finish(ref ci1, beta, s10, ref ar1, ref br0, p, k);
        if (cols > 1) Finish(ref Unsafe.Add(ref ci1, colStride), beta, s11, ref ar1, ref br1, p, k);
        if (cols > 2) Finish(ref Unsafe.Add(ref ci1, 2 * colStride), beta, s12, ref ar1, ref br2, p, k);
        if (cols > 3) Finish(ref Unsafe.Add(ref ci1, 3 * colStride), beta, s13, ref ar1, ref br3, p, k);
    }

    // rows i..i+7 of A against row j of B (a GEMV: an LSTM step at batch 1): 8 accumulators over the k loop, then the
    // 8 sums reduced together — two rounds of pairwise horizontal adds and one cross-half add leave the 8 dot products
    // in one vector — instead of one full lane sum per row, which costs as much as the k loop itself at k = 128
    private static void Block8x1(int i, int j, int k, ref float a0, int lda, ref float b0, int ldb, float beta,
        ref float c0, int rowStride, int colStride)
    {
        ref float ar = ref Unsafe.Add(ref a0, i * lda);
        ref float br = ref Unsafe.Add(ref b0, j * ldb);
        Vector256<float> s0 = default, s1 = default, s2 = default, s3 = default, s4 = default, s5 = default, s6 = default, s7 = default;
        int p = 0;
        for (; p + 8 <= k; p += 8)
        {
            var y = Vector256.LoadUnsafe(ref br, (nuint)p);
            ref float ap = ref Unsafe.Add(ref ar, p);
            s0 = Fma.MultiplyAdd(Vector256.LoadUnsafe(ref ap), y, s0);
            s1 = Fma.MultiplyAdd(Vector256.LoadUnsafe(ref Unsafe.Add(ref ap, lda)), y, s1);
            s2 = Fma.MultiplyAdd(Vector256.LoadUnsafe(ref Unsafe.Add(ref ap, 2 * lda)), y, s2);
            s3 = Fma.MultiplyAdd(Vector256.LoadUnsafe(ref Unsafe.Add(ref ap, 3 * lda)), y, s3);
            s4 = Fma.MultiplyAdd(Vector256.LoadUnsafe(ref Unsafe.Add(ref ap, 4 * lda)), y, s4);
            s5 = Fma.MultiplyAdd(Vector256.LoadUnsafe(ref Unsafe.Add(ref ap, 5 * lda)), y, s5);
            s6 = Fma.MultiplyAdd(Vector256.LoadUnsafe(ref Unsafe.Add(ref ap, 6 * lda)), y, s6);
            s7 = Fma.MultiplyAdd(Vector256.LoadUnsafe(ref Unsafe.Add(ref ap, 7 * lda)), y, s7);
        }
        // hadd(a, b) = (a0+a1, a2+a3, b0+b1, b2+b3 | a4+a5, a6+a7, b4+b5, b6+b7); after two rounds lane r of the low
        // half holds row r's low-half sum (r < 4) and of the high half its high-half sum, rows 4..7 likewise in u1
        var u0 = Avx.HorizontalAdd(Avx.HorizontalAdd(s0, s1), Avx.HorizontalAdd(s2, s3));
        var u1 = Avx.HorizontalAdd(Avx.HorizontalAdd(s4, s5), Avx.HorizontalAdd(s6, s7));
        var sums = Avx.Add(Avx.Permute2x128(u0, u1, 0x20), Avx.Permute2x128(u0, u1, 0x31)); // row r in lane r
        ref float ci = ref Unsafe.Add(ref c0, i * rowStride + j * colStride);
        for (int r = 0; r < 8; r++)
        {
            float sum = sums.GetElement(r);
            ref float ar1 = ref Unsafe.Add(ref ar, r * lda);
            for (int q = p; q < k; q++) sum = MathF.FusedMultiplyAdd(Unsafe.Add(ref ar1, q), Unsafe.Add(ref br, q), sum);
            ref float cr = ref Unsafe.Add(ref ci, r * rowStride);
            cr = beta == 0 ? sum : beta == 1 ? cr + sum : MathF.FusedMultiplyAdd(beta, cr, sum);
        }
    }

    // rows i..i+rows−1 (rows ≤ 4) of A against row j of B
    private static void Block4x1(int i, int rows, int j, int k, ref float a0, int lda, ref float b0, int ldb, float beta,
        ref float c0, int rowStride, int colStride)
    {
        int w = Vector<float>.Count;
        // rows beyond the block's count alias row i: computed and dropped, so the loop has no branches
        ref float ar0 = ref Unsafe.Add(ref a0, i * lda);
        ref float ar1 = ref Unsafe.Add(ref ar0, rows > 1 ? lda : 0);
        ref float ar2 = ref Unsafe.Add(ref ar0, rows > 2 ? 2 * lda : 0);
        ref float ar3 = ref Unsafe.Add(ref ar0, rows > 3 ? 3 * lda : 0);
        ref float br = ref Unsafe.Add(ref b0, j * ldb);
        Vector<float> s0 = default, s1 = default, s2 = default, s3 = default;
        int p = 0;
        for (; p + w <= k; p += w)
        {
            var y = Load(ref br, p);
            s0 = Vector.FusedMultiplyAdd(Load(ref ar0, p), y, s0);
            s1 = Vector.FusedMultiplyAdd(Load(ref ar1, p), y, s1);
            s2 = Vector.FusedMultiplyAdd(Load(ref ar2, p), y, s2);
            s3 = Vector.FusedMultiplyAdd(Load(ref ar3, p), y, s3);
        }
        ref float ci = ref Unsafe.Add(ref c0, i * rowStride + j * colStride);
        Finish(ref ci, beta, s0, ref ar0, ref br, p, k);
        if (rows > 1) Finish(ref Unsafe.Add(ref ci, rowStride), beta, s1, ref ar1, ref br, p, k);
        if (rows > 2) Finish(ref Unsafe.Add(ref ci, 2 * rowStride), beta, s2, ref ar2, ref br, p, k);
        if (rows > 3) Finish(ref Unsafe.Add(ref ci, 3 * rowStride), beta, s3, ref ar3, ref br, p, k);
    }

    // c = β·c + (lanes of s summed) + the scalar tail p..k of the dot product
    private static void Finish(ref float c, float beta, Vector<float> s, ref float a, ref float b, int p, int k)
    {
        float sum = Vector.Sum(s);
        for (; p < k; p++) sum = MathF.FusedMultiplyAdd(Unsafe.Add(ref a, p), Unsafe.Add(ref b, p), sum);
        c = beta == 0 ? sum : beta == 1 ? c + sum : MathF.FusedMultiplyAdd(beta, c, sum);
    }
}
