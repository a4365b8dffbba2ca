using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Pare.Core.Kernels.Gemm;

// C += A·B for a few rows of A (a recurrent step: B = batch, the weights reused at every step). The tiled path packs
// all of B on every call and computes whole MR-row tiles; here B is streamed as stored and each block of 2·W
// columns keeps 4 rows × 2 vectors of accumulators in registers over the whole k loop (8 independent FMA chains).
public static partial class Gemm
{
    /// <summary>The largest m <see cref="SgemmSmallM"/> is meant for; beyond it the tiled <c>Sgemm</c> wins.</summary>
    public const int SmallM = 16;

    /// <summary>C (m×n) += A (m×k) · B (k×n), all row-major and untransposed, for small m (see <see cref="SmallM"/>;
    /// any m is correct). Each C element is accumulated in k order from its old value.</summary>
    /// <param name="m">rows of A and C</param>
    /// <param name="n">columns of B and C</param>
    /// <param name="k">inner dimension</param>
    /// <param name="a">A, leading dimension <paramref name="lda"/> ≥ k</param>
    /// <param name="lda">leading dimension of A</param>
    /// <param name="b">B, leading dimension <paramref name="ldb"/> ≥ n</param>
    /// <param name="ldb">leading dimension of B</param>
    /// <param name="c">C, leading dimension <paramref name="ldc"/> ≥ n</param>
    /// <param name="ldc">leading dimension of C</param>
    public static void SgemmSmallM(int m, int n, int k, ReadOnlySpan<float> a, int lda, ReadOnlySpan<float> b, int ldb, Span<float> c, int ldc)
    {
        GemmChecks.Validate(false, false, m, n, k, a.Length, lda, b.Length, ldb, c.Length, ldc);
        if (m == 0 || n == 0 || k == 0) return;
        int w = Vector<float>.Count;
        int i = 0;
        for (; i + 4 <= m; i += 4) Rows4(i, n, k, a, lda, b, ldb, c, ldc, w);
        for (; i < m; i++) Row1(i, n, k, a, lda, b, ldb, c, ldc, w);
    }

    // rows i..i+3: blocks of 2W columns with 8 accumulators, then one W block, then scalar columns
    private static void Rows4(int i, int n, int k, ReadOnlySpan<float> a, int lda, ReadOnlySpan<float> b, int ldb, Span<float> c, int ldc, int w)
    {
        ref float a0 = ref Unsafe.Add(ref MemoryMarshal.GetReference(a), i * lda);
        ref float bRef = ref MemoryMarshal.GetReference(b);
        ref float c0 = ref Unsafe.Add(ref MemoryMarshal.GetReference(c), i * ldc);
        int j = 0;
        for (; j + 2 * w <= n; j += 2 * w)
        {
            Vector<float> s00 = Load(ref c0, j), s01 = Load(ref c0, j + w);
            Vector<float> s10 = Load(ref c0, ldc + j), s11 = Load(ref c0, ldc + j + w);
            Vector<float> s20 = Load(ref c0, 2 * ldc + j), s21 = Load(ref c0, 2 * ldc + j + w);
            Vector<float> s30 = Load(ref c0, 3 * ldc + j), s31 = Load(ref c0, 3 * ldc + j + w);
            for (int p = 0; p < k; p++)
            {
                var b0 = Load(ref bRef, p * ldb + j);
                var b1 = Load(ref bRef, p * ldb + j + w);
                var x0 = new Vector<float>(Unsafe.Add(ref a0, p));
                var x1 = new Vector<float>(Unsafe.Add(ref a0, lda + p));
                var x2 = new Vector<float>(Unsafe.Add(ref a0, 2 * lda + p));
                var x3 = new Vector<float>(Unsafe.Add(ref a0, 3 * lda + p));
                s00 = Vector.FusedMultiplyAdd(x0, b0, s00);
                s01 = Vector.FusedMultiplyAdd(x0, b1, s01);
                s10 = Vector.FusedMultiplyAdd(x1, b0, s10);
                s11 = Vector.FusedMultiplyAdd(x1, b1, s11);
                s20 = Vector.FusedMultiplyAdd(x2, b0, s20);
                s21 = Vector.FusedMultiplyAdd(x2, b1, s21);
                s30 = Vector.FusedMultiplyAdd(x3, b0, s30);
                s31 = Vector.FusedMultiplyAdd(x3, b1, s31);
            }
            Store(s00, ref c0, j); Store(s01, ref c0, j + w);
            Store(s10, ref c0, ldc + j); Store(s11, ref c0, ldc + j + w);
            Store(s20, ref c0, 2 * ldc + j); Store(s21, ref c0, 2 * ldc + j + w);
            Store(s30, ref c0, 3 * ldc + j); Store(s31, ref c0, 3 * ldc + j + w);
        }
        for (int r = 0; r < 4; r++) Columns(i + r, j, n, k, a, lda, b, ldb, c, ldc, w);
    }

    // one row over all columns
    private static void Row1(int i, int n, int k, ReadOnlySpan<float> a, int lda, ReadOnlySpan<float> b, int ldb, Span<float> c, int ldc, int w) =>
        Columns(i, 0, n, k, a, lda, b, ldb, c, ldc, w);

    // row i, columns j0..n: W-wide blocks, then scalars
    private static void Columns(int i, int j0, int n, int k, ReadOnlySpan<float> a, int lda, ReadOnlySpan<float> b, int ldb, Span<float> c, int ldc, int w)
    {
        ref float ai = ref Unsafe.Add(ref MemoryMarshal.GetReference(a), i * lda);
        ref float bRef = ref MemoryMarshal.GetReference(b);
        ref float ci = ref Unsafe.Add(ref MemoryMarshal.GetReference(c), i * ldc);
        int j = j0;
        for (; j + w <= n; j += w)
        {
            var s = Load(ref ci, j);
            for (int p = 0; p < k; p++) s = Vector.FusedMultiplyAdd(new Vector<float>(Unsafe.Add(ref ai, p)), Load(ref bRef, p * ldb + j), s);
            Store(s, ref ci, j);
        }
        for (; j < n; j++)
        {
            float s = Unsafe.Add(ref ci, j);
            for (int p = 0; p < k; p++) s = MathF.FusedMultiplyAdd(Unsafe.Add(ref ai, p), Unsafe.Add(ref bRef, p * ldb + j), s);
            Unsafe.Add(ref ci, j) = s;
        }
    }

    private static Vector<float> Load(ref float origin, int offset) => Vector.LoadUnsafe(ref origin, (nuint)offset);

    private static void Store(Vector<float> v, ref float origin, int offset) => v.StoreUnsafe(ref origin, (nuint)offset);
}
