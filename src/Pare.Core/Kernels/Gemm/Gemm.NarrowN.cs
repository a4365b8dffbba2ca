using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using Pare.Core.Threading;

namespace Pare.Core.Kernels.Gemm;

// C = A·B when B has at most 8 columns (a conv's patch matrix with a few output positions). The tiled path packs all
// of A for a product a few columns wide and computes whole 16- or 32-column tiles; here one vector holds a row of B
// (zero-padded to 4 or 8 lanes by the caller) and 8 rows of A are broadcast against it, 8 independent accumulators
// over the k loop. Every C element is summed from zero in k order with one fused multiply-add per term, exactly as
// the tiled micro-kernels do, so results match the im2col GEMM bit for bit (and ONNX Runtime's order): audio front
// ends feed STFT magnitudes into a log, where a changed summation order of a cancelling sum shows.
public static partial class Gemm
{
    /// <summary>Widest B <see cref="SgemmNarrowN"/> takes.</summary>
    public const int NarrowMaxN = 8;

    /// <summary>C (m×n, leading dimension <paramref name="ldc"/>) = A (m×k) · B (k×n) for n ≤ <see cref="NarrowMaxN"/>.
    /// B is read as k rows of <paramref name="ldb"/> = 4 (n ≤ 4) or 8 floats whose lanes past n must be finite
    /// (zeros); each C element is accumulated from zero in k order.</summary>
    /// <param name="m">rows of A and C</param>
    /// <param name="n">columns of B and C (1..8)</param>
    /// <param name="k">inner dimension</param>
    /// <param name="a">A, leading dimension <paramref name="lda"/> ≥ k</param>
    /// <param name="lda">leading dimension of A</param>
    /// <param name="b">B, k rows of <paramref name="ldb"/> floats</param>
    /// <param name="ldb">4 when n ≤ 4, else 8</param>
    /// <param name="c">C, overwritten</param>
    /// <param name="ldc">leading dimension of C</param>
    public static void SgemmNarrowN(int m, int n, int k, ReadOnlySpan<float> a, int lda, ReadOnlySpan<float> b, int ldb, Span<float> c, int ldc)
    {
        if (m < 0 || k < 0 || n < 1 || n > NarrowMaxN || ldb != NarrowWidth(n) || lda < k || ldc < n)
            throw new ArgumentException($"narrow GEMM: m {m}, n {n} (1..{NarrowMaxN}), k {k}, lda {lda}, ldb {ldb} (must be {NarrowWidth(Math.Clamp(n, 1, 8))}), ldc {ldc}");
        if (m == 0) return;
        if (a.Length < (long)(m - 1) * lda + k || b.Length < (long)k * ldb || c.Length < (long)(m - 1) * ldc + n)
            throw new ArgumentException($"narrow GEMM: spans too short for m {m}, n {n}, k {k} (A {a.Length}, B {b.Length}, C {c.Length})");
        if ((long)m * n * k < RowDotsParallelWork || Parallelism.ThreadCount == 1 || m < 2 * RowDotsChunk)
        {
            NarrowRows(0, m, n, k, ref MemoryMarshal.GetReference(a), lda, ref MemoryMarshal.GetReference(b), ldb,
                ref MemoryMarshal.GetReference(c), ldc);
            return;
        }
        // fixed chunks of rows, as in SgemmRowDots: every element is summed the same way on any thread
        unsafe
        {
            fixed (float* pa = a, pb = b, pc = c)
            {
                float* pa1 = pa, pb1 = pb, pc1 = pc;
                Parallelism.For((m + RowDotsChunk - 1) / RowDotsChunk, t =>
                {
                    int i0 = t * RowDotsChunk;
                    NarrowRows(i0, Math.Min(m, i0 + RowDotsChunk), n, k, ref *pa1, lda, ref *pb1, ldb, ref *pc1, ldc);
                });
            }
        }
    }

    // rows [i0, i1) of C
    private static void NarrowRows(int i0, int i1, int n, int k, ref float a0, int lda, ref float b0, int ldb, ref float c0, int ldc)
    {
        if (ldb == 4)
        {
            Span<float> lanes = stackalloc float[4];
            int i = i0;
            for (; i + 8 <= i1; i += 8) Rows8x4(i, n, k, ref a0, lda, ref b0, ref c0, ldc, lanes);
            for (; i < i1; i++)
            {
                ref float ai = ref Unsafe.Add(ref a0, i * lda);
                var s = Vector128<float>.Zero;
                for (int p = 0; p < k; p++) s = Vector128.FusedMultiplyAdd(Vector128.Create(Unsafe.Add(ref ai, p)), Vector128.LoadUnsafe(ref b0, (nuint)(p * 4)), s);
                Store(s, n, ref Unsafe.Add(ref c0, i * ldc), lanes);
            }
        }
        else
        {
            Span<float> lanes = stackalloc float[8];
            int i = i0;
            for (; i + 4 <= i1; i += 4) Rows4x8(i, n, k, ref a0, lda, ref b0, ref c0, ldc, lanes);
            for (; i < i1; i++)
            {
                ref float ai = ref Unsafe.Add(ref a0, i * lda);
                var s = Vector256<float>.Zero;
                for (int p = 0; p < k; p++) s = Vector256.FusedMultiplyAdd(Vector256.Create(Unsafe.Add(ref ai, p)), Vector256.LoadUnsafe(ref b0, (nuint)(p * 8)), s);
                Store(s, n, ref Unsafe.Add(ref c0, i * ldc), lanes);
            }
        }
    }

    /// <summary>The row width <see cref="SgemmNarrowN"/> expects of B for n columns: 4 or 8.</summary>
    /// <param name="n">columns (1..8)</param>
    public static int NarrowWidth(int n) => n <= 4 ? 4 : 8;

    // rows i..i+7 against 4-lane rows of B
    private static void Rows8x4(int i, int n, int k, ref float a0, int lda, ref float b0, ref float c0, int ldc, Span<float> lanes)
    {
        ref float r0 = ref Unsafe.Add(ref a0, i * lda);
        Vector128<float> s0 = default, s1 = default, s2 = default, s3 = default, s4 = default, s5 = default, s6 = default, s7 = default;
        for (int p = 0; p < k; p++)
        {
            var bp = Vector128.LoadUnsafe(ref b0, (nuint)(p * 4));
            ref float ap = ref Unsafe.Add(ref r0, p);
            s0 = Vector128.FusedMultiplyAdd(Vector128.Create(ap), bp, s0);
            s1 = Vector128.FusedMultiplyAdd(Vector128.Create(Unsafe.Add(ref ap, lda)), bp, s1);
            s2 = Vector128.FusedMultiplyAdd(Vector128.Create(Unsafe.Add(ref ap, 2 * lda)), bp, s2);
            s3 = Vector128.FusedMultiplyAdd(Vector128.Create(Unsafe.Add(ref ap, 3 * lda)), bp, s3);
            s4 = Vector128.FusedMultiplyAdd(Vector128.Create(Unsafe.Add(ref ap, 4 * lda)), bp, s4);
            s5 = Vector128.FusedMultiplyAdd(Vector128.Create(Unsafe.Add(ref ap, 5 * lda)), bp, s5);
            s6 = Vector128.FusedMultiplyAdd(Vector128.Create(Unsafe.Add(ref ap, 6 * lda)), bp, s6);
            s7 = Vector128.FusedMultiplyAdd(Vector128.Create(Unsafe.Add(ref ap, 7 * lda)), bp, s7);
        }
        ref float ci = ref Unsafe.Add(ref c0, i * ldc);
        Store(s0, n, ref ci, lanes);
        Store(s1, n, ref Unsafe.Add(ref ci, ldc), lanes);
        Store(s2, n, ref Unsafe.Add(ref ci, 2 * ldc), lanes);
        Store(s3, n, ref Unsafe.Add(ref ci, 3 * ldc), lanes);
        Store(s4, n, ref Unsafe.Add(ref ci, 4 * ldc), lanes);
        Store(s5, n, ref Unsafe.Add(ref ci, 5 * ldc), lanes);
        Store(s6, n, ref Unsafe.Add(ref ci, 6 * ldc), lanes);
        Store(s7, n, ref Unsafe.Add(ref ci, 7 * ldc), lanes);
    }

    // rows i..i+3 against 8-lane rows of B
    private static void Rows4x8(int i, int n, int k, ref float a0, int lda, ref float b0, ref float c0, int ldc, Span<float> lanes)
    {
        ref float r0 = ref Unsafe.Add(ref a0, i * lda);
        Vector256<float> s0 = default, s1 = default, s2 = default, s3 = default;
        for (int p = 0; p < k; p++)
        {
            var bp = Vector256.LoadUnsafe(ref b0, (nuint)(p * 8));
            ref float ap = ref Unsafe.Add(ref r0, p);
            s0 = Vector256.FusedMultiplyAdd(Vector256.Create(ap), bp, s0);
            s1 = Vector256.FusedMultiplyAdd(Vector256.Create(Unsafe.Add(ref ap, lda)), bp, s1);
            s2 = Vector256.FusedMultiplyAdd(Vector256.Create(Unsafe.Add(ref ap, 2 * lda)), bp, s2);
            s3 = Vector256.FusedMultiplyAdd(Vector256.Create(Unsafe.Add(ref ap, 3 * lda)), bp, s3);
        }
        ref float ci = ref Unsafe.Add(ref c0, i * ldc);
        Store(s0, n, ref ci, lanes);
        Store(s1, n, ref Unsafe.Add(ref ci, ldc), lanes);
        Store(s2, n, ref Unsafe.Add(ref ci, 2 * ldc), lanes);
        Store(s3, n, ref Unsafe.Add(ref ci, 3 * ldc), lanes);
    }

    // the first n lanes of s into c[0..n)
    private static void Store(Vector128<float> s, int n, ref float c, Span<float> lanes)
    {
        s.StoreUnsafe(ref MemoryMarshal.GetReference(lanes));
        for (int j = 0; j < n; j++) Unsafe.Add(ref c, j) = lanes[j];
    }

    private static void Store(Vector256<float> s, int n, ref float c, Span<float> lanes)
    {
        s.StoreUnsafe(ref MemoryMarshal.GetReference(lanes));
        for (int j = 0; j < n; j++) Unsafe.Add(ref c, j) = lanes[j];
    }
}
