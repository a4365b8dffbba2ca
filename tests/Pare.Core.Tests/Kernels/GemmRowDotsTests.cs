using Pare.Core.Kernels.Gemm;
using Pare.Core.Random;
using Pare.Core.Tests.Support;
using Pare.Core.Threading;

namespace Pare.Core.Tests.Kernels;

/// <summary><see cref="Gemm.SgemmRowDots"/> against a double-precision triple loop (its scalar twin), over every
/// column remainder (n mod 4), odd row counts, k tails of every vector width, both C layouts and β; and its row split
/// over the pool against one thread, bit for bit.</summary>
[Collection(nameof(ThreadCountSerial))]
public class GemmRowDotsTests
{
    // float accumulation over k ≤ 300 terms of products of N(0, 1) values
    private const double Tolerance = 1e-4;

    [Theory]
    [InlineData(1, 1, 1)]
    [InlineData(1, 4, 7)]
    [InlineData(3, 2, 9)]
    [InlineData(5, 3, 17)]
    [InlineData(7, 5, 33)]
    [InlineData(2, 6, 8)]
    [InlineData(9, 7, 31)]
    [InlineData(4, 8, 16)]
    [InlineData(65, 1, 130)]
    [InlineData(66, 2, 255)]
    [InlineData(67, 9, 300)]
    [InlineData(258, 4, 256)] // silero VAD's STFT conv: 4 output positions
    [InlineData(512, 1, 128)] // an LSTM step at batch 1
    public void MatchesTheReference(int m, int n, int k)
    {
        foreach (var (beta, cLayoutRows) in new[] { (0f, true), (1f, false), (0.5f, true) })
        {
            var rng = new Rng((ulong)(m * 1000 + n * 10 + k));
            int lda = k + 3, ldb = k + 1; // padded leading dimensions must be skipped, not read as data
            // C either (m, n) with rows m apart… or (n, m) as a recurrent step writes it, plus a gap that must stay put
            int rowStride = cLayoutRows ? n + 2 : 1, colStride = cLayoutRows ? 1 : m + 2;
            float[] a = Normal(m * lda, rng), b = Normal(n * ldb, rng), c = Normal(m * (n + 2) + n * (m + 2), rng);
            var expected = new double[c.Length];
            for (int i = 0; i < c.Length; i++) expected[i] = c[i];
            for (int i = 0; i < m; i++)
                for (int j = 0; j < n; j++)
                {
                    double dot = 0;
                    for (int p = 0; p < k; p++) dot += (double)a[i * lda + p] * b[j * ldb + p];
                    int at = i * rowStride + j * colStride;
                    expected[at] = (beta == 0 ? 0 : beta * expected[at]) + dot;
                }

            Gemm.SgemmRowDots(m, n, k, a, lda, b, ldb, beta, c, rowStride, colStride);

            for (int i = 0; i < c.Length; i++)
                Assert.True(Math.Abs(c[i] - expected[i]) <= Tolerance * (1 + Math.Abs(expected[i])), $"β {beta}: c[{i}] = {c[i]}, expected {expected[i]}");
        }
    }

    [Fact]
    public void BetaZeroIgnoresNaNsInC()
    {
        var c = new[] { float.NaN, float.NaN };
        Gemm.SgemmRowDots(2, 1, 3, [1, 2, 3, 4, 5, 6], 3, [1, 1, 1], 3, 0f, c, 1, 1);
        Assert.Equal([6f, 15f], c);
    }

    [Fact]
    public void SplitOverThreadsIsBitIdentical()
    {
        int m = 301, n = 3, k = 129; // past the parallel threshold, a last partial chunk, an odd last row
        var rng = new Rng(5);
        float[] a = Normal(m * k, rng), b = Normal(n * k, rng), narrow = Normal(k * 4, rng);
        int saved = Parallelism.ThreadCount;
        try
        {
            // row dots, and the narrow GEMM on a B of (k, 4) rows
            Parallelism.SetThreadCount(1);
            var expected = new float[m * n];
            var expectedNarrow = new float[m * n];
            Gemm.SgemmRowDots(m, n, k, a, k, b, k, 0f, expected, n, 1);
            Gemm.SgemmNarrowN(m, n, k, a, k, narrow, 4, expectedNarrow, n);
            foreach (int threads in new[] { 2, 3 })
            {
                Parallelism.SetThreadCount(threads);
                var c = new float[m * n];
                Gemm.SgemmRowDots(m, n, k, a, k, b, k, 0f, c, n, 1);
                Assert.Equal(expected, c);
                Gemm.SgemmNarrowN(m, n, k, a, k, narrow, 4, c, n);
                Assert.Equal(expectedNarrow, c);
            }
        }
        finally
        {
            Parallelism.SetThreadCount(saved);
        }
    }

    [Fact]
    public void EmptyShapesLeaveCAlone()
    {
        var c = new float[] { 1, 2, 3 };
        Gemm.SgemmRowDots(0, 3, 2, [], 2, new float[6], 2, 0f, c, 3, 1);
        Gemm.SgemmRowDots(3, 0, 2, new float[6], 2, [], 2, 0f, c, 1, 1);
        Assert.Equal(new float[] { 1, 2, 3 }, c);
    }

    [Fact]
    public void ShortOperandIsRejected() =>
        Assert.ThrowsAny<ArgumentException>(() => Gemm.SgemmRowDots(2, 4, 3, new float[5], 3, new float[12], 3, 0f, new float[8], 4, 1));

    private static float[] Normal(int count, Rng rng) => Tensor.Normal([count], 0, 1, rng).ToArray<float>();
}

/// <summary><see cref="Gemm.SgemmNarrowN"/> against a double-precision triple loop, for every n in 1..8 and row counts
/// around its 8- and 4-row blocks; and bit for bit against the tiled <see cref="Gemm.Sgemm(bool, bool, int, int, int, float, ReadOnlySpan{float}, int, ReadOnlySpan{float}, int, float, Span{float}, int)"/>,
/// whose summation order it keeps.</summary>
public class GemmNarrowNTests
{
    private const double Tolerance = 1e-4;

    [Theory]
    [InlineData(1, 1, 1)]
    [InlineData(7, 2, 9)]
    [InlineData(8, 3, 17)]
    [InlineData(17, 4, 33)]
    [InlineData(3, 5, 8)]
    [InlineData(9, 6, 31)]
    [InlineData(4, 7, 64)]
    [InlineData(13, 8, 100)]
    [InlineData(258, 4, 256)]
    public void MatchesTheReferenceAndTheTiledGemm(int m, int n, int k)
    {
        var rng = new Rng((ulong)(m * 1000 + n * 10 + k));
        int lda = k + 3, ldc = n + 1, width = Gemm.NarrowWidth(n);
        float[] a = Tensor.Normal([m * lda], 0, 1, rng).ToArray<float>(), bn = Tensor.Normal([k * n], 0, 1, rng).ToArray<float>();
        var b = new float[k * width]; // rows padded with zeros to 4 or 8 lanes
        for (int p = 0; p < k; p++) bn.AsSpan(p * n, n).CopyTo(b.AsSpan(p * width));
        var c = Enumerable.Repeat(float.NaN, m * ldc).ToArray();
        Gemm.SgemmNarrowN(m, n, k, a, lda, b, width, c, ldc);
        var tiled = Enumerable.Repeat(float.NaN, m * ldc).ToArray();
        Gemm.Sgemm(false, false, m, n, k, 1f, a, lda, bn, n, 0f, tiled, ldc);
        for (int i = 0; i < m; i++)
            for (int j = 0; j < n; j++)
            {
                double e = 0;
                for (int p = 0; p < k; p++) e += (double)a[i * lda + p] * bn[p * n + j];
                float v = c[i * ldc + j];
                Assert.True(Math.Abs(v - e) <= Tolerance * (1 + Math.Abs(e)), $"c[{i}, {j}] = {v}, expected {e}");
                // n = 1 takes Sgemm's dot-product GEMV instead; without FMA hardware the tiled scalar kernel rounds twice
                if (n > 1 && System.Runtime.Intrinsics.X86.Fma.IsSupported) Assert.Equal(tiled[i * ldc + j], v);
            }
    }

    [Fact]
    public void WrongRowWidthIsRejected() =>
        Assert.ThrowsAny<ArgumentException>(() => Gemm.SgemmNarrowN(2, 3, 2, new float[4], 2, new float[16], 8, new float[6], 3));
}
