using Pare.Core.Threading;

namespace Pare.Core.Kernels.Gemm;

/// <summary>Single-precision general matrix multiply on row-major spans: C = α·op(A)·op(B) + β·C, where op(X) is
/// X or Xᵀ. Blocked and packed (see <see cref="GemmDriver{TKernel}"/>) around an AVX-512 12×32, AVX2 6×16 or
/// portable 4×4 register-tiled micro-kernel; multi-threaded with results identical for every thread count.</summary>
public static partial class Gemm
{
    /// <summary>C = α·op(A)·op(B) + β·C.</summary>
    /// <param name="transA">A is stored as K×M (lda ≥ M) and used transposed; else M×K (lda ≥ K)</param>
    /// <param name="transB">B is stored as N×K (ldb ≥ K) and used transposed; else K×N (ldb ≥ N)</param>
    /// <param name="m">rows of C</param>
    /// <param name="n">columns of C</param>
    /// <param name="k">inner dimension</param>
    /// <param name="alpha">scale of the product</param>
    /// <param name="a">A, row-major with leading dimension <paramref name="lda"/></param>
    /// <param name="lda">leading dimension of A</param>
    /// <param name="b">B, row-major with leading dimension <paramref name="ldb"/></param>
    /// <param name="ldb">leading dimension of B</param>
    /// <param name="beta">scale of the old C (0: C is overwritten, NaNs in it do not propagate)</param>
    /// <param name="c">C (M×N), row-major with leading dimension <paramref name="ldc"/></param>
    /// <param name="ldc">leading dimension of C</param>
    public static void Sgemm(bool transA, bool transB, int m, int n, int k, float alpha,
        ReadOnlySpan<float> a, int lda, ReadOnlySpan<float> b, int ldb, float beta, Span<float> c, int ldc) =>
        Sgemm(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc, pool: null);

    /// <summary><see cref="Sgemm(bool, bool, int, int, int, float, ReadOnlySpan{float}, int, ReadOnlySpan{float}, int, float, Span{float}, int)"/>
    /// on a given pool (null: the process-wide <see cref="Parallelism"/> pool), with an optional epilogue run on each
    /// finished tile of C.</summary>
    internal static void Sgemm(bool transA, bool transB, int m, int n, int k, float alpha,
        ReadOnlySpan<float> a, int lda, ReadOnlySpan<float> b, int ldb, float beta, Span<float> c, int ldc, WorkerPool? pool,
        IGemmEpilogue? epilogue = null)
    {
        GemmChecks.Validate(transA, transB, m, n, k, a.Length, lda, b.Length, ldb, c.Length, ldc);
        if (m == 0 || n == 0) return;
        if (k == 0 || alpha == 0)
        {
            ScaleC(m, n, beta, c, ldc);
            ApplyWhole(epilogue, m, n, c, ldc);
            return;
        }
        if (m == 1 || n == 1)
        {
            Gemv(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
            ApplyWhole(epilogue, m, n, c, ldc);
            return;
        }
        unsafe
        {
            fixed (float* pa = a)
            fixed (float* pb = b)
            fixed (float* pc = c)
            {
                if (GemmKernelAvx512.IsSupported)
                    GemmDriver<GemmKernelAvx512>.Run(transA, transB, m, n, k, alpha, pa, lda, pb, ldb, beta, pc, ldc, pool, null, epilogue);
                else if (GemmKernelAvx2.IsSupported)
                    GemmDriver<GemmKernelAvx2>.Run(transA, transB, m, n, k, alpha, pa, lda, pb, ldb, beta, pc, ldc, pool, null, epilogue);
                else
                    GemmDriver<GemmKernelScalar>.Run(transA, transB, m, n, k, alpha, pa, lda, pb, ldb, beta, pc, ldc, pool, null, epilogue);
            }
        }
    }

    /// <summary>Runs the epilogue (if any) on all of C, for the paths that do not go through the tiled driver.</summary>
    private static unsafe void ApplyWhole(IGemmEpilogue? epilogue, int m, int n, Span<float> c, int ldc)
    {
        if (epilogue is null) return;
        fixed (float* pc = c) epilogue.Apply(pc, ldc, 0, m, 0, n);
    }

    /// <summary>C = β·C (β == 0 writes zeros, whatever C held).</summary>
    private static void ScaleC(int m, int n, float beta, Span<float> c, int ldc)
    {
        for (int i = 0; i < m; i++)
        {
            var row = c.Slice(i * ldc, n);
            if (beta == 0) row.Clear();
            else if (beta != 1) System.Numerics.Tensors.TensorPrimitives.Multiply(row, beta, row);
        }
    }

    /// <summary>Scalar reference twin of <see cref="Sgemm(bool, bool, int, int, int, float, ReadOnlySpan{float}, int, ReadOnlySpan{float}, int, float, Span{float}, int)"/>
    /// (float accumulation in k order).</summary>
    /// <param name="transA">as for Sgemm</param>
    /// <param name="transB">as for Sgemm</param>
    /// <param name="m">rows of C</param>
    /// <param name="n">columns of C</param>
    /// <param name="k">inner dimension</param>
    /// <param name="alpha">scale of the product</param>
    /// <param name="a">A (M×K, or K×M when transposed)</param>
    /// <param name="lda">leading dimension of A</param>
    /// <param name="b">B (K×N, or N×K when transposed)</param>
    /// <param name="ldb">leading dimension of B</param>
    /// <param name="beta">scale of the old C</param>
    /// <param name="c">C (M×N)</param>
    /// <param name="ldc">leading dimension of C</param>
    public static void SgemmReference(bool transA, bool transB, int m, int n, int k, float alpha,
        ReadOnlySpan<float> a, int lda, ReadOnlySpan<float> b, int ldb, float beta, Span<float> c, int ldc)
    {
        GemmChecks.Validate(transA, transB, m, n, k, a.Length, lda, b.Length, ldb, c.Length, ldc);
        for (int i = 0; i < m; i++)
        {
            for (int j = 0; j < n; j++)
            {
                float sum = 0;
                for (int p = 0; p < k; p++)
                {
                    float av = transA ? a[p * lda + i] : a[i * lda + p];
                    float bv = transB ? b[j * ldb + p] : b[p * ldb + j];
                    sum += av * bv;
                }
                ref float cv = ref c[i * ldc + j];
                cv = beta == 0 ? alpha * sum : alpha * sum + beta * cv;
            }
        }
    }
}
