using Pare.Core.Kernels.Gemm;
using Pare.Core.Random;
using Pare.Core.Tests.Support;
using Pare.Core.Threading;

namespace Pare.Core.Tests.Kernels;

public class GemmKernelTests
{
    // m, n, k: 1, primes, and sizes straddling the tiles (MR 4/6/12, NR 4/16/32), the k blocks (KC 256/384)
    // and the row block (MR·340 rows)
    public static TheoryData<int, int, int> Shapes => new()
    {
        { 1, 1, 1 }, { 1, 7, 13 }, { 7, 1, 13 }, { 7, 13, 31 }, { 13, 7, 67 }, { 31, 67, 13 }, { 67, 31, 257 },
        { 12, 32, 384 }, { 13, 33, 385 }, { 11, 31, 383 }, { 24, 64, 768 }, { 257, 67, 31 }, { 1, 257, 67 },
        { 67, 1, 257 }, { 5, 100, 1 }, { 129, 97, 400 }, { 4100, 9, 5 }, { 6, 16, 256 }, { 25, 17, 257 },
        // M = 64, 32, 16, 128, 4100: the last rows run as 4-row tiles where NR columns are full (AVX-512 / AVX2)
        { 64, 64, 300 }, { 32, 96, 50 }, { 16, 32, 7 }, { 128, 48, 385 }, { 4100, 64, 3 }, { 10, 32, 20 },
        // MNIST's classifier head (a GEMV on 10 columns: the short-row accumulation), and its transpose
        { 1, 10, 256 }, { 10, 1, 256 },
    };

    [Theory]
    [MemberData(nameof(Shapes))]
    public void Matches_double_reference_for_all_transposes(int m, int n, int k)
    {
        foreach (bool ta in new[] { false, true })
            foreach (bool tb in new[] { false, true })
                CheckAgainstDouble(ta, tb, m, n, k, alpha: 1f, beta: 0f, pad: 0, seed: (ulong)(m * 7 + n * 11 + k));
    }

    [Theory]
    [InlineData(1f, 1f)]
    [InlineData(0.5f, -2f)]
    [InlineData(-1.5f, 0f)]
    [InlineData(2f, 0.25f)]
    public void Alpha_beta_and_padded_leading_dimensions(float alpha, float beta)
    {
        foreach (var (m, n, k) in new[] { (7, 13, 31), (37, 45, 67), (13, 33, 385), (1, 45, 67), (37, 1, 67), (1, 1, 9), (64, 64, 33) })
            foreach (bool ta in new[] { false, true })
                foreach (bool tb in new[] { false, true })
                    CheckAgainstDouble(ta, tb, m, n, k, alpha, beta, pad: 5, seed: 99);
    }

    [Theory]
    [InlineData(64, 980, 288, false)] // the CNN's second conv: 5 images × 196 positions, patch 288
    [InlineData(288, 980, 64, true)] // its input gradient: Wᵀ · dy
    [InlineData(13, 33, 385, false)] // partial tiles on both sides, two k blocks
    [InlineData(7, 5, 800, true)]
    public unsafe void Packed_B_matches_the_packing_gemm(int m, int n, int k, bool transA)
    {
        var (a, b) = Operands(transA, false, m, n, k, 0, seed: 31);
        float[] expected = new float[m * n], actual = new float[m * n];
        Gemm.Sgemm(transA, false, m, n, k, 1f, a, transA ? m : k, b, n, 0f, expected, n);
        float* panels = (float*)System.Runtime.InteropServices.NativeMemory.AlignedAlloc((nuint)(Gemm.PanelFloats(n, k) * sizeof(float)), 64);
        try
        {
            // the GEMM's own packing of all of k at once is the panel layout SgemmPackedB expects
            fixed (float* pb = b) GemmPack.PackB(Gemm.PanelWidth, false, pb, n, 0, k, 0, n, panels);
            Gemm.SgemmPackedB(transA, m, n, k, a, transA ? m : k, panels, 0f, actual, n, pool: null);
        }
        finally
        {
            System.Runtime.InteropServices.NativeMemory.AlignedFree(panels);
        }
        // same kernels, same k blocks: the same bits
        Assert.Equal(expected, actual);
    }

    [Fact]
    public void Beta_zero_overwrites_NaN_in_C()
    {
        int m = 29, n = 37, k = 19;
        var (a, b) = Operands(false, false, m, n, k, 0, seed: 5);
        var c = Enumerable.Repeat(float.NaN, m * n).ToArray();
        Gemm.Sgemm(false, false, m, n, k, 1f, a, k, b, n, 0f, c, n);
        Assert.All(c, v => Assert.False(float.IsNaN(v)));
    }

    [Fact]
    public void K_zero_scales_C_and_empty_m_or_n_is_a_no_op()
    {
        var c = new float[] { 1, 2, float.NaN, 4, 5, 6 };
        Gemm.Sgemm(false, false, 2, 3, 0, 1f, [], 1, [], 3, 2f, c, 3);
        Assert.Equal(new float[] { 2, 4, float.NaN, 8, 10, 12 }, c);
        Gemm.Sgemm(false, false, 2, 3, 0, 1f, [], 1, [], 3, 0f, c, 3);
        Assert.Equal(new float[6], c);
        var untouched = new float[] { 7, 8 };
        Gemm.Sgemm(false, false, 0, 2, 4, 1f, [], 4, new float[8], 2, 0f, untouched, 2);
        Gemm.Sgemm(false, false, 2, 0, 4, 1f, new float[8], 4, [], 1, 0f, untouched, 1);
        Assert.Equal(new float[] { 7, 8 }, untouched);
    }

    [Theory]
    [InlineData(33, 47, 129)]
    [InlineData(100, 3, 300)]
    public void Matches_scalar_reference_twin(int m, int n, int k)
    {
        foreach (bool ta in new[] { false, true })
            foreach (bool tb in new[] { false, true })
            {
                var (a, b) = Operands(ta, tb, m, n, k, 0, seed: 17);
                var c0 = Filled(m * n, 3);
                var c1 = (float[])c0.Clone();
                Gemm.Sgemm(ta, tb, m, n, k, 0.75f, a, ta ? m : k, b, tb ? k : n, 0.5f, c0, n);
                Gemm.SgemmReference(ta, tb, m, n, k, 0.75f, a, ta ? m : k, b, tb ? k : n, 0.5f, c1, n);
                float tol = (float)(Tolerance.DotProductPerSqrtK * Math.Sqrt(k) * Math.Sqrt(k));
                KernelCases.AssertClose(c1, c0, 0f, tol, $"ta={ta} tb={tb}");
            }
    }

    [Fact]
    public void Results_are_bit_identical_for_one_and_two_threads()
    {
        using var one = new WorkerPool(1);
        using var two = new WorkerPool(2);
        foreach (var (m, n, k, ta, tb) in new[] { (200, 300, 500, false, false), (131, 257, 800, true, true), (500, 70, 90, false, true) })
        {
            var (a, b) = Operands(ta, tb, m, n, k, 0, seed: 23);
            var c1 = Filled(m * n, 4);
            var c2 = (float[])c1.Clone();
            Gemm.Sgemm(ta, tb, m, n, k, 1.25f, a, ta ? m : k, b, tb ? k : n, 0.5f, c1, n, one);
            Gemm.Sgemm(ta, tb, m, n, k, 1.25f, a, ta ? m : k, b, tb ? k : n, 0.5f, c2, n, two);
            Assert.Equal(c1, c2);
        }
    }

    [Theory]
    [InlineData(5, 7, 9, 11)]
    [InlineData(40, 130, 120, 140)]
    public void Batched_with_broadcast_operands_matches_per_item_gemm(int batch, int m, int n, int k)
    {
        var a = Filled(batch * m * k, 8);
        var b = Filled(k * n, 9);   // one B for the whole batch (stride 0)
        var c = new float[batch * m * n];
        using var two = new WorkerPool(2);
        Gemm.SgemmBatched(false, false, batch, m, n, k, 1f, a, k, m * k, b, n, 0, 0f, c, n, m * n, two);
        for (int i = 0; i < batch; i++)
        {
            var expected = new float[m * n];
            Gemm.Sgemm(false, false, m, n, k, 1f, a.AsSpan(i * m * k, m * k), k, b, n, 0f, expected, n);
            Assert.Equal(expected, c.AsSpan(i * m * n, m * n).ToArray());
        }

        // broadcast A (stride 0) against per-item transposed B
        var a1 = Filled(m * k, 10);
        var bt = Filled(batch * n * k, 11);
        Gemm.SgemmBatched(false, true, batch, m, n, k, 1f, a1, k, 0, bt, k, n * k, 0f, c, n, m * n);
        for (int i = 0; i < batch; i++)
        {
            var expected = new double[m * n];
            Reference(false, true, m, n, k, 1f, a1, k, bt.AsSpan(i * n * k).ToArray(), k, 0f, expected, n);
            AssertWithin(expected, c.AsSpan(i * m * n, m * n).ToArray(), k, 1f, $"item {i}");
        }
    }

    [Fact]
    public void Bad_sizes_throw_argument_exceptions_naming_the_dimensions()
    {
        var e = Assert.Throws<ArgumentException>(() => Gemm.Sgemm(false, false, 4, 5, 6, 1f, new float[23], 6, new float[30], 5, 0f, new float[20], 5));
        Assert.Contains("A (4×6", e.Message);
        e = Assert.Throws<ArgumentException>(() => Gemm.Sgemm(false, true, 4, 5, 6, 1f, new float[24], 6, new float[30], 5, 0f, new float[20], 5));
        Assert.Contains("ldb=5", e.Message);
        e = Assert.Throws<ArgumentException>(() => Gemm.Sgemm(false, false, 4, 5, 6, 1f, new float[24], 6, new float[30], 5, 0f, new float[19], 5));
        Assert.Contains("C (4×5", e.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => Gemm.Sgemm(false, false, -1, 5, 6, 1f, [], 6, [], 5, 0f, [], 5));
        e = Assert.Throws<ArgumentException>(() => Gemm.SgemmBatched(false, false, 3, 4, 5, 6, 1f, new float[72], 6, 24, new float[30], 5, 0, 0f, new float[59], 5, 20));
        Assert.Contains("m=4", e.Message);
        e = Assert.Throws<ArgumentException>(() => Gemm.SgemmBatched(false, false, 3, 4, 5, 6, 1f, new float[72], 6, 24, new float[30], 5, 0, 0f, new float[60], 5, 10));
        Assert.Contains("C stride 10", e.Message);
    }

    private static void CheckAgainstDouble(bool ta, bool tb, int m, int n, int k, float alpha, float beta, int pad, ulong seed)
    {
        var (a, b) = Operands(ta, tb, m, n, k, pad, seed);
        int lda = (ta ? m : k) + pad, ldb = (tb ? k : n) + pad, ldc = n + pad;
        var c = Filled(m * ldc, seed + 2);
        if (beta == 0) Array.Fill(c, float.NaN);
        var expected = new double[m * ldc];
        for (int i = 0; i < c.Length; i++) expected[i] = c[i];
        Reference(ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, expected, ldc);
        Gemm.Sgemm(ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
        for (int i = 0; i < m; i++)
        {
            AssertWithin(expected.AsSpan(i * ldc, n).ToArray(), c.AsSpan(i * ldc, n).ToArray(), k, Math.Abs(alpha) + Math.Abs(beta),
                $"ta={ta} tb={tb} m={m} n={n} k={k} row {i}");
            // padding between rows of C is never written
            for (int j = n; j < ldc && i * ldc + j < c.Length; j++)
                Assert.True(c[i * ldc + j].Equals((float)expected[i * ldc + j]), $"padding of row {i} was written");
        }
    }

    // error bound: float rounding of K products of values in [-1, 1) grows like sqrt(K) per unit of sqrt(K) magnitude
    private static void AssertWithin(double[] expected, float[] actual, int k, double scale, string what)
    {
        double tol = Tolerance.DotProductPerSqrtK * Math.Sqrt(Math.Max(k, 1)) * Math.Sqrt(Math.Max(k, 1)) * Math.Max(scale, 1);
        for (int i = 0; i < expected.Length; i++)
            Assert.True(Math.Abs(actual[i] - expected[i]) <= tol, $"{what} [{i}]: {actual[i]} vs {expected[i]} (tol {tol})");
    }

    private static (float[] A, float[] B) Operands(bool ta, bool tb, int m, int n, int k, int pad, ulong seed)
    {
        int aRows = ta ? k : m, aCols = ta ? m : k, bRows = tb ? n : k, bCols = tb ? k : n;
        return (Filled(aRows * (aCols + pad), seed), Filled(bRows * (bCols + pad), seed + 1));
    }

    private static float[] Filled(int count, ulong seed)
    {
        var rng = new Rng(seed);
        var x = new float[count];
        for (int i = 0; i < count; i++) x[i] = rng.NextFloat() * 2 - 1;
        return x;
    }

    private static void Reference(bool ta, bool tb, int m, int n, int k, float alpha, float[] a, int lda, float[] b, int ldb,
        float beta, double[] c, int ldc)
    {
        for (int i = 0; i < m; i++)
            for (int j = 0; j < n; j++)
            {
                double sum = 0;
                for (int p = 0; p < k; p++)
                    sum += (double)(ta ? a[p * lda + i] : a[i * lda + p]) * (tb ? b[j * ldb + p] : b[p * ldb + j]);
                c[i * ldc + j] = beta == 0 ? alpha * sum : alpha * sum + beta * c[i * ldc + j];
            }
    }
}
