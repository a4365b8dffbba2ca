using Pare.Core.Kernels.Gemm;
using Pare.Core.Random;

namespace Pare.Core.Tests.Kernels;

/// <summary><see cref="Gemm.SgemmSmallM"/> against a double-precision triple loop (its scalar twin).</summary>
public class GemmSmallMTests
{
    // float accumulation over k ≤ 130 terms of products of N(0, 1) values
    private const double Tolerance = 1e-4;

    [Theory]
    [InlineData(1, 1, 1)]
    [InlineData(1, 7, 5)]
    [InlineData(3, 17, 9)]
    [InlineData(4, 16, 1)]
    [InlineData(5, 33, 13)]
    [InlineData(8, 512, 128)]
    [InlineData(9, 31, 130)]
    [InlineData(16, 48, 7)]
    [InlineData(17, 65, 3)]
    public void AddsTheProductToC(int m, int n, int k)
    {
        var rng = new Rng((ulong)(m * 1000 + n * 10 + k));
        int lda = k + 3, ldb = n + 5, ldc = n + 2; // padded leading dimensions must be skipped, not read as data
        float[] a = Normal(m * lda, rng), b = Normal(k * ldb, rng), c = Normal(m * ldc, rng);
        var expected = new double[m * ldc];
        for (int i = 0; i < m * ldc; i++) expected[i] = c[i];
        for (int i = 0; i < m; i++)
            for (int j = 0; j < n; j++)
                for (int p = 0; p < k; p++) expected[i * ldc + j] += (double)a[i * lda + p] * b[p * ldb + j];

        Gemm.SgemmSmallM(m, n, k, a, lda, b, ldb, c, ldc);

        for (int i = 0; i < m * ldc; i++)
            Assert.True(Math.Abs(c[i] - expected[i]) <= Tolerance * (1 + Math.Abs(expected[i])), $"c[{i}] = {c[i]}, expected {expected[i]}");
    }

    [Fact]
    public void EmptyShapesLeaveCAlone()
    {
        var c = new float[] { 1, 2, 3 };
        Gemm.SgemmSmallM(1, 3, 0, [], 1, [], 3, c, 3);
        Gemm.SgemmSmallM(0, 3, 2, [], 2, new float[6], 3, c, 3);
        Assert.Equal(new float[] { 1, 2, 3 }, c);
    }

    [Fact]
    public void ShortOperandIsRejected() =>
        Assert.ThrowsAny<ArgumentException>(() => Gemm.SgemmSmallM(2, 4, 3, new float[5], 3, new float[12], 4, new float[8], 4));

    private static float[] Normal(int count, Rng rng) => Tensor.Normal([count], 0, 1, rng).ToArray<float>();
}
