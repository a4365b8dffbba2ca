using Pare.Core.Kernels.Indexing;
using Pare.Core.Kernels.Pool;
using Pare.Core.Random;

using Pare.Core.Tests.Support;

namespace Pare.Core.Tests.Kernels;

/// <summary>The byte kernels of int8 inference against plain loops: the blocked transpose (sizes around the 16×16
/// block) and the 8-bit max pool (both signednesses, windows and strides).</summary>
[Collection(nameof(ThreadCountSerial))]
public class ByteKernelTests
{
    [Theory]
    [InlineData(0, 5)]
    [InlineData(1, 1)]
    [InlineData(15, 16)]
    [InlineData(16, 16)]
    [InlineData(17, 33)]
    [InlineData(240, 37)]
    public void Transpose_matches_the_reference(int rows, int cols)
    {
        var rng = new Rng((ulong)(rows * 100 + cols));
        var src = Enumerable.Range(0, rows * cols).Select(_ => (byte)rng.NextInt(256)).ToArray();
        var expected = new byte[rows * cols];
        ByteTranspose.Reference(src, rows, cols, expected);
        var got = new byte[rows * cols];
        ByteTranspose.Run(src, rows, cols, got);
        Assert.Equal(expected, got);
    }

    // the split over the pool: along rows (taller) and columns (wider), ranges not multiples of 16, both strips
    [Theory]
    [InlineData(300, 117)]
    [InlineData(241, 3361)]
    [InlineData(3360, 240)]
    [InlineData(16, 4096)]
    [InlineData(10, 100)]
    public void Parallel_transpose_matches_the_reference(int rows, int cols)
    {
        var rng = new Rng((ulong)(rows * 7 + cols));
        var src = Enumerable.Range(0, rows * cols).Select(_ => (byte)rng.NextInt(256)).ToArray();
        var expected = new byte[rows * cols];
        ByteTranspose.Reference(src, rows, cols, expected);
        var got = new byte[rows * cols];
        ThreadCounts.With(2, () => ByteTranspose.RunParallel(src, rows, cols, got));
        Assert.Equal(expected, got);
    }

    [Theory]
    [InlineData(2, 2, 2, 2, false)]
    [InlineData(2, 2, 2, 2, true)]
    [InlineData(3, 3, 1, 2, true)]
    [InlineData(3, 2, 2, 1, false)]
    public void Max_pool_matches_plain_loops(int kh, int kw, int sh, int sw, bool signedValues) =>
        CheckMaxPool(kh, kw, sh, sw, signedValues, 3, 9, 13);

    // the 2×2 stride-2 path (even W): narrow rows (scalar), overlapping vectors, chunks of several rows, odd H
    [Theory]
    [InlineData(4, 6, false)]
    [InlineData(14, 14, true)]
    [InlineData(28, 28, false)]
    [InlineData(28, 28, true)]
    [InlineData(9, 40, true)]
    [InlineData(301, 96, false)]
    public void Max_pool_2x2_matches_plain_loops(int h, int w, bool signedValues) => CheckMaxPool(2, 2, 2, 2, signedValues, 5, h, w);

    private static void CheckMaxPool(int kh, int kw, int sh, int sw, bool signedValues, int planes, int h, int w)
    {
        var rng = new Rng((ulong)(kh * 1000 + kw * 100 + sh * 10 + sw + h * 7 + w * 13));
        var x = Enumerable.Range(0, planes * h * w).Select(_ => (byte)rng.NextInt(256)).ToArray();
        int outH = (h - kh) / sh + 1, outW = (w - kw) / sw + 1;
        var y = new byte[planes * outH * outW];
        MaxPoolBytes.Run(x, planes, h, w, kh, kw, sh, sw, signedValues, y);
        for (int p = 0; p < planes; p++)
            for (int oy = 0; oy < outH; oy++)
                for (int ox = 0; ox < outW; ox++)
                {
                    int best = int.MinValue;
                    for (int ky = 0; ky < kh; ky++)
                        for (int kx = 0; kx < kw; kx++)
                        {
                            byte v = x[(p * h + oy * sh + ky) * w + ox * sw + kx];
                            best = Math.Max(best, signedValues ? (sbyte)v : v);
                        }
                    byte got = y[(p * outH + oy) * outW + ox];
                    Assert.Equal(best, signedValues ? (sbyte)got : got);
                }
    }
}
