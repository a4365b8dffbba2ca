using Pare.Core.Kernels.QGemm;
using Pare.Core.Random;

namespace Pare.Core.Tests.Kernels;

public class Int4GemmKernelTests
{
    // float sums of up to K products in a different order than the double reference
    private const float RelativeTolerance = 1e-5f;

    [Theory]
    [InlineData(1, 1, 1, 32)]
    [InlineData(1, 67, 131, 32)]
    [InlineData(3, 70, 64, 64)]
    [InlineData(1, 129, 257, 128)]
    [InlineData(7, 5, 300, 16)]
    [InlineData(8, 67, 131, 32)]
    [InlineData(37, 131, 200, 64)]
    [InlineData(64, 65, 128, 128)]
    public void Matches_the_reference(int m, int n, int k, int blockSize)
    {
        foreach (bool withZeroPoints in new[] { false, true })
        {
            var rng = new Rng((ulong)(m * 1000 + n * 10 + k));
            int blocks = (k + blockSize - 1) / blockSize;
            var codes = new byte[n * blocks * blockSize / 2];
            for (int i = 0; i < codes.Length; i++) codes[i] = rng.NextInt(8) == 0 ? (byte)(rng.NextInt(2) * 255) : (byte)rng.NextInt(256);
            var scales = Enumerable.Range(0, n * blocks).Select(_ => 0.01f + rng.NextFloat()).ToArray();
            var zps = withZeroPoints ? Enumerable.Range(0, n * blocks).Select(_ => (byte)rng.NextInt(16)).ToArray() : [];
            var a = Enumerable.Range(0, m * k).Select(_ => rng.NextFloat() * 2 - 1).ToArray();
            var expected = Int4Gemm.Reference(m, n, k, a, codes, scales, zps, blockSize);
            var y = new float[m * n];
            Int4Gemm.Multiply(m, n, k, a, k, codes, scales, zps, blockSize, [], y, n);
            for (int i = 0; i < m; i++)
                for (int j = 0; j < n; j++)
                {
                    double scale = 0;
                    for (int p = 0; p < k; p++) scale += Math.Abs(a[i * k + p]) * 16 * scales[j * blocks + p / blockSize];
                    Assert.True(Math.Abs(expected[i * n + j] - y[i * n + j]) <= RelativeTolerance * scale + 1e-6,
                        $"({i}, {j}): {y[i * n + j]} vs {expected[i * n + j]} (zero points {withZeroPoints})");
                }
        }
    }

    [Fact]
    public void Bias_is_added_and_bad_block_size_throws()
    {
        var codes = new byte[2 * 16];
        var y = new float[2];
        Int4Gemm.Multiply(1, 2, 32, new float[32], 32, codes, [1f, 1f], [], 32, [3f, -4f], y, 2);
        Assert.Equal([3f, -4f], y);
        Assert.Throws<ArgumentException>(() => Int4Gemm.Multiply(1, 2, 32, new float[32], 32, codes, [1f, 1f], [], 24, [], y, 2));
    }
}
