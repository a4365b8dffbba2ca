namespace Pare.Core.Kernels.Gemm;

/// <summary>Single-precision general matrix multiply on row-major spans:
/// C = α·op(A)·op(B) + β·C, where op(X) is X or Xᵀ. PLACEHOLDER body (naive); the blocked, packed,
/// register-tiled implementation replaces it.</summary>
public static class Gemm
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
        SgemmReference(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);

    /// <summary>Scalar reference twin of <see cref="Sgemm"/> (float accumulation in k order).</summary>
    public static void SgemmReference(bool transA, bool transB, int m, int n, int k, float alpha,
        ReadOnlySpan<float> a, int lda, ReadOnlySpan<float> b, int ldb, float beta, Span<float> c, int ldc)
    {
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
