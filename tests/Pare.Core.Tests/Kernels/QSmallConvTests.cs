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
