using Pare.Core.Kernels.QGemm;
using Pare.Core.Random;

namespace Pare.Core.Tests.Kernels;

/// <summary>The few-tap int8 conv against its scalar reference: 1 to 3 input channels, odd tap counts (the last pair
/// half empty), strides, pads, dilation, planes that are not a multiple of the 16- and 8-pixel steps, channel ranges,
/// both output types (exact, so equality).</summary>
public class QSmallConvTests
{
    [Theory]
    [InlineData(1, 3, 3, 1, 1, 1, 28, 28, false)]
    [InlineData(1, 3, 3, 1, 1, 1, 9, 7, true)]
    [InlineData(3, 3, 3, 2, 1, 1, 17, 23, false)]
    [InlineData(2, 5, 3, 1, 2, 1, 11, 13, true)]
    [InlineData(1, 5, 5, 1, 2, 2, 19, 21, false)]
    [InlineData(3, 1, 1, 1, 0, 1, 5, 6, true)]
    [InlineData(1, 1, 1, 1, 0, 1, 3, 3, false)]
    [InlineData(2, 3, 3, 2, 0, 1, 15, 33, true)]
    [InlineData(1, 4, 4, 1, 3, 1, 6, 4, false)]
    public void Matches_the_reference(int ch, int kh, int kw, int stride, int pad, int dilation, int h, int w, bool signedOutput)
    {
        var rng = new Rng((ulong)(ch * 977 + kh * 131 + kw * 17 + stride * 7 + pad * 3 + dilation + h * 1009 + w * 10007));
        int m = 7;
        int outH = (h + 2 * pad - dilation * (kh - 1) - 1) / stride + 1, outW = (w + 2 * pad - dilation * (kw - 1) - 1) / stride + 1;
        var g = new QConvGeometry(ch, h, w, kh, kw, stride, stride, dilation, dilation, pad, pad, outH, outW);
        var x = Enumerable.Range(0, ch * h * w).Select(_ => (byte)rng.NextInt(256)).ToArray();
        // centred weights over the full ±255 range (uint8 weights minus a zero point), some zero
        var wts = Enumerable.Range(0, m * g.Taps).Select(i => (short)(i % 7 == 0 ? 0 : rng.NextInt(511) - 255)).ToArray();
        var bias = Enumerable.Range(0, m).Select(_ => rng.NextInt(40001) - 20000).ToArray();
        var mult = Enumerable.Range(0, m).Select(c => c == 0 ? 0.5f : 1e-5f + rng.NextFloat() * 2e-4f).ToArray();
        int yz = signedOutput ? -7 : 130, xz = 201;
        var expected = QSmallConv.Reference(x, g, xz, wts, m, bias, mult, yz, signedOutput);
        var y = new byte[m * outH * outW];
        // channels in two ranges, as the graph op splits them over threads
        QSmallConv.Run(x, g, xz, wts, 0, 3, bias, mult, yz, signedOutput, y);
        QSmallConv.Run(x, g, xz, wts, 3, m, bias, mult, yz, signedOutput, y);
        Assert.Equal(expected, y.Select(v => signedOutput ? (int)(sbyte)v : v).ToArray());
    }

    // row strides 2 (the even/odd int16 lanes) and 3 (scalar pair building), row stride ≠ column stride, planes of
    // several 256-pixel chunks with a ragged last one, no padding (reads into the image's tail slack)
    [Theory]
    [InlineData(3, 3, 3, 2, 2, 1, 48, 70, false)]
    [InlineData(1, 5, 5, 1, 2, 2, 13, 41, true)]
    [InlineData(2, 3, 3, 2, 2, 0, 9, 40, false)]
    [InlineData(3, 3, 3, 1, 2, 1, 7, 17, true)]
    [InlineData(3, 3, 3, 2, 1, 1, 30, 19, false)]
    [InlineData(1, 3, 3, 3, 3, 1, 20, 31, true)]
    [InlineData(3, 1, 3, 1, 2, 0, 5, 2, false)]
    public void Strided_rows_match_the_reference(int ch, int kh, int kw, int strideH, int strideW, int pad, int h, int w, bool signedOutput)
    {
        var rng = new Rng((ulong)(ch * 977 + kh * 131 + kw * 17 + strideH * 7 + strideW * 5 + pad * 3 + h * 1009 + w * 10007));
        int m = 6;
        int outH = (h + 2 * pad - kh) / strideH + 1, outW = (w + 2 * pad - kw) / strideW + 1;
        var g = new QConvGeometry(ch, h, w, kh, kw, strideH, strideW, 1, 1, pad, pad, outH, outW);
        var x = Enumerable.Range(0, ch * h * w).Select(_ => (byte)rng.NextInt(256)).ToArray();
        var wts = Enumerable.Range(0, m * g.Taps).Select(_ => (short)(rng.NextInt(511) - 255)).ToArray();
        var bias = Enumerable.Range(0, m).Select(_ => rng.NextInt(40001) - 20000).ToArray();
        var mult = Enumerable.Range(0, m).Select(_ => 1e-5f + rng.NextFloat() * 2e-4f).ToArray();
        int yz = signedOutput ? 4 : 120, xz = 77;
        var expected = QSmallConv.Reference(x, g, xz, wts, m, bias, mult, yz, signedOutput);
        var y = new byte[m * outH * outW];
        QSmallConv.Run(x, g, xz, wts, 0, 4, bias, mult, yz, signedOutput, y);
        QSmallConv.Run(x, g, xz, wts, 4, m, bias, mult, yz, signedOutput, y);
        Assert.Equal(expected, y.Select(v => signedOutput ? (int)(sbyte)v : v).ToArray());
    }

    // 2×2 max pool of the sums before requantizing = pooling the requantized bytes (odd sizes drop the last row/column)
    [Theory]
    [InlineData(1, 3, 3, 1, 28, 28, false)]
    [InlineData(1, 3, 3, 1, 9, 7, true)]
    [InlineData(3, 3, 3, 0, 17, 35, false)]
    [InlineData(1, 5, 5, 2, 12, 3, true)]
    [InlineData(1, 1, 1, 0, 2, 2, false)]
    public void Pooled_matches_the_reference_then_a_max_pool(int ch, int kh, int kw, int pad, int h, int w, bool signedOutput)
    {
        var rng = new Rng((ulong)(ch * 31 + kh * 7 + h * 101 + w * 1009 + pad));
        int m = 5, outH = h + 2 * pad - kh + 1, outW = w + 2 * pad - kw + 1;
        var g = new QConvGeometry(ch, h, w, kh, kw, 1, 1, 1, 1, pad, pad, outH, outW);
        var x = Enumerable.Range(0, ch * h * w).Select(_ => (byte)rng.NextInt(256)).ToArray();
        var wts = Enumerable.Range(0, m * g.Taps).Select(_ => (short)(rng.NextInt(255) - 127)).ToArray();
        var bias = Enumerable.Range(0, m).Select(_ => rng.NextInt(4001) - 2000).ToArray();
        // one zero multiplier (every value the zero point), the others small enough that values spread and saturate
        var mult = Enumerable.Range(0, m).Select(c => c == 1 ? 0f : 1e-4f + rng.NextFloat() * 1e-3f).ToArray();
        int yz = signedOutput ? 3 : 120;
        var full = QSmallConv.Reference(x, g, 90, wts, m, bias, mult, yz, signedOutput);
        int ph = outH / 2, pw = outW / 2;
        var expected = new int[m * ph * pw];
        for (int c = 0; c < m; c++)
            for (int oy = 0; oy < ph; oy++)
                for (int ox = 0; ox < pw; ox++)
                {
                    int at(int dy, int dx) => full[(c * outH + 2 * oy + dy) * outW + 2 * ox + dx];
                    expected[(c * ph + oy) * pw + ox] = Math.Max(Math.Max(at(0, 0), at(0, 1)), Math.Max(at(1, 0), at(1, 1)));
                }
        var y = new byte[m * ph * pw];
        QSmallConv.Run(x, g, 90, wts, 0, m, bias, mult, yz, signedOutput, y, maxPool2x2: true);
        Assert.Equal(expected, y.Select(v => signedOutput ? (int)(sbyte)v : v).ToArray());
    }

    [Fact]
    public void Pooling_rejects_a_negative_multiplier() =>
        Assert.Throws<ArgumentException>(() => QSmallConv.Run(new byte[16], new QConvGeometry(1, 4, 4, 1, 1, 1, 1, 1, 1, 0, 0, 4, 4), 0,
            new short[1], 0, 1, [], [-1f], 0, false, new byte[4], maxPool2x2: true));

    [Fact]
    public void One_multiplier_no_bias_and_a_non_finite_multiplier()
    {
        var rng = new Rng(11);
        var g = new QConvGeometry(1, 6, 20, 3, 3, 1, 1, 1, 1, 1, 1, 6, 20);
        var x = Enumerable.Range(0, 6 * 20).Select(_ => (byte)rng.NextInt(256)).ToArray();
        var wts = Enumerable.Range(0, 2 * 9).Select(_ => (short)(rng.NextInt(255) - 127)).ToArray();
        var y = new byte[2 * 6 * 20];
        QSmallConv.Run(x, g, 3, wts, 0, 2, [], [0.001f], 5, false, y);
        Assert.Equal(QSmallConv.Reference(x, g, 3, wts, 2, [], [0.001f], 5, false), y.Select(v => (int)v).ToArray());
        QSmallConv.Run(x, g, 3, wts, 0, 2, [], [float.PositiveInfinity, 0.002f], 5, true, y);
        Assert.Equal(QSmallConv.Reference(x, g, 3, wts, 2, [], [float.PositiveInfinity, 0.002f], 5, true), y.Select(v => (int)(sbyte)v).ToArray());
    }

    [Fact]
    public void Rejects_too_many_taps() =>
        Assert.Throws<ArgumentException>(() => QSmallConv.Run(new byte[4 * 9], new QConvGeometry(4, 3, 3, 3, 3, 1, 1, 1, 1, 0, 0, 1, 1), 0,
            new short[36], 0, 1, [], [1f], 0, false, new byte[1]));
}
