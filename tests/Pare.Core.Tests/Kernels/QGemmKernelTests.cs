using Pare.Core.Kernels.QGemm;
using Pare.Core.Random;
using Pare.Core.Threading;

namespace Pare.Core.Tests.Kernels;

public class QGemmKernelTests
{
    // 1, primes, and sizes straddling the tiles (MR 4/6, NR 8/32, k quads, the 64-panel A chunk)
    public static TheoryData<int, int, int> Shapes => new()
    {
        { 1, 1, 1 }, { 1, 7, 13 }, { 7, 1, 13 }, { 7, 13, 31 }, { 13, 7, 67 }, { 31, 67, 13 }, { 6, 32, 4 }, { 12, 64, 8 },
        { 5, 33, 3 }, { 67, 31, 257 }, { 1, 257, 67 }, { 389, 37, 5 }, { 4, 8, 2 }, { 25, 97, 130 },
        { 1, 40, 64 }, { 9, 33, 128 }, { 10, 31, 8 }, { 1, 70, 4 }, { 17, 64, 256 },
    };

    // the paths this CPU can run (CI reruns with AVX-512/AVX2/all intrinsics switched off)
    private static IEnumerable<QGemmPath> Paths() =>
        new[] { QGemmPath.Avx512Vnni, QGemmPath.AvxVnni, QGemmPath.Avx512, QGemmPath.Avx2, QGemmPath.Scalar }.Where(QGemm.IsSupported);

    [Theory]
    [MemberData(nameof(Shapes))]
    public void Every_path_matches_the_reference_exactly(int m, int n, int k)
    {
        var rng = new Rng((ulong)(m * 131 + n * 7 + k));
        var (a, b) = (RandomU8(rng, m * k), RandomS8(rng, k * n));
        int[] za = [rng.NextInt(256)];
        var zb = Enumerable.Range(0, n).Select(_ => rng.NextInt(256) - 128).ToArray();
        var expected = QGemm.Reference(m, n, k, a, za, b, zb);
        var packed = QGemmPackedB.Pack(b, k, n, n, transB: false, zb);
        foreach (var path in Paths())
        {
            var c = new int[m * n];
            QGemm.Multiply(m, a, k, za, packed, c, n, path);
            Assert.True(expected.AsSpan().SequenceEqual(c), $"{path} differs from the reference for {m}×{k}×{n}");
        }
    }

    // B's zero points all 0 (symmetric weights): kernels that can read A in place do so for whole tiles; A is sized
    // exactly ((m − 1)·lda + k bytes, rows padded by 3) so a tile whose last quad would run past it must be packed
    [Theory]
    [MemberData(nameof(Shapes))]
    public void Symmetric_B_matches_the_reference_with_A_read_in_place(int m, int n, int k)
    {
        var rng = new Rng((ulong)(m * 17 + n * 3 + k));
        int lda = k + 3;
        var a = RandomU8(rng, (m - 1) * lda + k);
        var b = RandomS8(rng, k * n);
        int[] za = [rng.NextInt(256)];
        var aDense = new byte[m * k];
        for (int i = 0; i < m; i++) for (int p = 0; p < k; p++) aDense[i * k + p] = a[i * lda + p];
        var expected = QGemm.Reference(m, n, k, aDense, za, b, [0]);
        var packed = QGemmPackedB.Pack(b, k, n, n, transB: false, [0]);
        foreach (var path in Paths())
        {
            var c = new int[m * n];
            QGemm.Multiply(m, a, lda, za, packed, c, n, path);
            Assert.True(expected.AsSpan().SequenceEqual(c), $"{path} differs from the reference for {m}×{k}×{n}");
        }
    }

    [Fact]
    public void Extremes_do_not_saturate()
    {
        // 255 × −128 everywhere: the int16 sum of two products (vpmaddubsw) would saturate; vpmaddwd must not
        int m = 13, n = 37, k = 1001;
        var a = Enumerable.Repeat((byte)255, m * k).ToArray();
        var b = Enumerable.Repeat(sbyte.MinValue, k * n).ToArray();
        var packed = QGemmPackedB.Pack(b, k, n, n, false, [0]);
        foreach (var path in Paths())
        {
            var c = new int[m * n];
            QGemm.Multiply(m, a, k, [0], packed, c, n, path);
            Assert.All(c, v => Assert.Equal(255 * -128 * k, v));
        }
    }

    [Fact]
    public void Per_row_zero_points_transposed_uint8_B_and_padded_leading_dimensions()
    {
        int m = 19, n = 41, k = 29, lda = k + 3, ldb = k + 5;
        var rng = new Rng(5);
        var a = RandomU8(rng, m * lda);
        var bu = RandomU8(rng, n * ldb); // stored N×K, uint8
        var za = Enumerable.Range(0, m).Select(_ => rng.NextInt(256)).ToArray();
        int[] zb = [rng.NextInt(256)];
        // the reference on unpadded copies; uint8 b − zb equals int8 (b − 128) − (zb − 128)
        var aDense = new byte[m * k];
        var bDense = new sbyte[k * n];
        for (int i = 0; i < m; i++) for (int p = 0; p < k; p++) aDense[i * k + p] = a[i * lda + p];
        for (int j = 0; j < n; j++) for (int p = 0; p < k; p++) bDense[p * n + j] = (sbyte)(bu[j * ldb + p] - 128);
        var expected = QGemm.Reference(m, n, k, aDense, za, bDense, [zb[0] - 128]);
        var packed = QGemmPackedB.Pack(bu, k, n, ldb, transB: true, zb);
        foreach (var path in Paths())
        {
            var c = new int[m * (n + 2)];
            QGemm.Multiply(m, a, lda, za, packed, c, n + 2, path);
            for (int i = 0; i < m; i++)
                Assert.True(expected.AsSpan(i * n, n).SequenceEqual(c.AsSpan(i * (n + 2), n)), $"{path} row {i}");
        }
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Requantized_output_matches_scalar_requantization(bool signedOutput)
    {
        int m = 23, n = 45, k = 77;
        var rng = new Rng(9);
        var (a, b) = (RandomU8(rng, m * k), RandomS8(rng, k * n));
        int[] za = [128], zb = [3];
        var acc = QGemm.Reference(m, n, k, a, za, b, zb);
        var bias = Enumerable.Range(0, n).Select(_ => rng.NextInt(20001) - 10000).ToArray();
        var mult = Enumerable.Range(0, n).Select(_ => 1e-4f + rng.NextFloat() * 1e-3f).ToArray();
        int yz = signedOutput ? -5 : 120;
        var packed = QGemmPackedB.Pack(b, k, n, n, false, zb);
        foreach (var path in Paths())
        {
            // written transposed (column stride m), as the conv does for NCHW
            var y = new byte[m * n];
            QGemm.MultiplyRequantize(m, a, k, za, packed, bias, mult, yz, signedOutput, y, 1, m, path);
            for (int i = 0; i < m; i++)
                for (int j = 0; j < n; j++)
                {
                    int q = QGemm.Requantize(acc[i * n + j] + bias[j], mult[j], yz, signedOutput ? -128 : 0, signedOutput ? 127 : 255);
                    int got = signedOutput ? (sbyte)y[j * m + i] : y[j * m + i];
                    Assert.Equal(q, got);
                }
        }
    }

    // row-major output runs the AVX2 epilogue (eight columns per step, the tail scalar): multiplier 0.5 makes every odd
    // sum a tie (round half to even), large biases saturate at both ends; per-tensor and per-column multipliers
    [Theory]
    [InlineData(false, false)]
    [InlineData(true, false)]
    [InlineData(false, true)]
    [InlineData(true, true)]
    public void Row_major_requantization_matches_scalar_requantization(bool signedOutput, bool perColumn)
    {
        // zb = 0 too: symmetric weights, whose za·Σb correction the VNNI path folds into the bias
        foreach (int zb0 in new[] { -2, 0 }) RowMajorRequantization(signedOutput, perColumn, zb0);
    }

    private static void RowMajorRequantization(bool signedOutput, bool perColumn, int zb0)
    {
        int m = 13, n = 45, k = 19;
        var rng = new Rng(17);
        var (a, b) = (RandomU8(rng, m * k), RandomS8(rng, k * n));
        int[] za = [100], zb = [zb0];
        var acc = QGemm.Reference(m, n, k, a, za, b, zb);
        var bias = Enumerable.Range(0, n).Select(j => j % 7 == 0 ? 400000 * (j % 2 == 0 ? 1 : -1) : rng.NextInt(2001) - 1000).ToArray();
        var mult = perColumn ? Enumerable.Range(0, n).Select(j => j % 3 == 0 ? 0.5f : 1e-3f + rng.NextFloat() * 1e-2f).ToArray() : [0.5f];
        int yz = signedOutput ? 3 : 128;
        var packed = QGemmPackedB.Pack(b, k, n, n, false, zb);
        foreach (var path in Paths())
        {
            var y = new byte[m * (n + 3)];
            QGemm.MultiplyRequantize(m, a, k, za, packed, bias, mult, yz, signedOutput, y, n + 3, 1, path);
            for (int i = 0; i < m; i++)
                for (int j = 0; j < n; j++)
                {
                    int q = QGemm.Requantize(acc[i * n + j] + bias[j], mult[perColumn ? j : 0], yz, signedOutput ? -128 : 0, signedOutput ? 127 : 255);
                    int got = signedOutput ? (sbyte)y[i * (n + 3) + j] : y[i * (n + 3) + j];
                    Assert.True(q == got, $"{path} ({i}, {j}): {got} vs {q}");
                }
        }
    }

    [Fact]
    public void Float_output_is_scaled_sum_plus_bias()
    {
        int m = 9, n = 70, k = 33;
        var rng = new Rng(11);
        var (a, b) = (RandomU8(rng, m * k), RandomS8(rng, k * n));
        var acc = QGemm.Reference(m, n, k, a, [7], b, [0]);
        var scale = Enumerable.Range(0, n).Select(_ => rng.NextFloat()).ToArray();
        var bias = Enumerable.Range(0, n).Select(_ => rng.NextFloat() - 0.5f).ToArray();
        var packed = QGemmPackedB.Pack(b, k, n, n, false, [0]);
        foreach (var path in Paths())
        {
            var y = new float[m * n];
            QGemm.MultiplyToFloat(m, a, k, [7], packed, scale, bias, y, n, 1, path);
            for (int i = 0; i < m * n; i++) Assert.Equal(acc[i] * scale[i % n] + bias[i % n], y[i]);
        }
    }

    [Fact]
    public void Same_result_for_every_thread_count()
    {
        int m = 200, n = 300, k = 150;
        var rng = new Rng(13);
        var (a, b) = (RandomU8(rng, m * k), RandomS8(rng, k * n));
        var packed = QGemmPackedB.Pack(b, k, n, n, false, [1]);
        var expected = QGemm.Reference(m, n, k, a, [2], b, [1]);
        foreach (int threads in new[] { 1, 2, 3, 5 })
        {
            using var pool = new WorkerPool(threads);
            var c = new int[m * n];
            RunOn(pool, m, a, packed, c, n);
            Assert.Equal(expected, c);
        }
    }

    [Fact]
    public void Bad_operands_throw()
    {
        var packed = QGemmPackedB.Pack(new sbyte[12], 3, 4, 4, false, [0]);
        Assert.Throws<ArgumentException>(() => QGemm.Multiply(2, new byte[5], 3, [0], packed, new int[8], 4));
        Assert.Throws<ArgumentException>(() => QGemm.Multiply(2, new byte[6], 3, [0, 0, 0], packed, new int[8], 4));
        Assert.Throws<ArgumentException>(() => QGemm.Multiply(2, new byte[6], 3, [0], packed, new int[7], 4));
        Assert.Throws<ArgumentException>(() => QGemmPackedB.Pack(new sbyte[11], 3, 4, 4, false, [0]));
    }

    private static unsafe void RunOn(WorkerPool pool, int m, byte[] a, QGemmPackedB b, int[] c, int ldc)
    {
        fixed (int* pc = c)
            QGemm.Run(m, a, b.K, [2], b, new QGemmEpilogue { Kind = QGemmEpilogue.Output.Int32, Y = pc, RowStride = ldc, ColStride = 1 }, QGemmPath.Auto, pool);
    }

    private static byte[] RandomU8(Rng rng, int count)
    {
        var v = new byte[count];
        // a tenth at the extremes 0 and 255
        for (int i = 0; i < count; i++) v[i] = rng.NextInt(10) == 0 ? (byte)(rng.NextInt(2) * 255) : (byte)rng.NextInt(256);
        return v;
    }

    private static sbyte[] RandomS8(Rng rng, int count)
    {
        var v = new sbyte[count];
        for (int i = 0; i < count; i++) v[i] = rng.NextInt(10) == 0 ? (rng.NextInt(2) == 0 ? sbyte.MinValue : sbyte.MaxValue) : (sbyte)(rng.NextInt(256) - 128);
        return v;
    }
}
