using Pare.Core.Kernels.QGemm;
using Pare.Core.Random;

namespace Pare.Core.Tests.Kernels;

/// <summary>The int8 depthwise conv against its scalar reference: strides, pads, dilation, widths around the eight-lane
/// step, per-channel multipliers, bias, both output types (exact, so equality).</summary>
public class QDepthwiseConvTests
{
    [Theory]
    [InlineData(3, 3, 1, 1, 1, 1, false)]
    [InlineData(5, 5, 1, 2, 2, 1, true)]
    [InlineData(3, 3, 2, 2, 1, 1, false)]
    [InlineData(3, 5, 1, 1, 2, 2, true)]
    [InlineData(1, 1, 1, 1, 0, 1, false)]
    [InlineData(3, 3, 2, 1, 0, 1, true)]
    public void Matches_the_reference(int kh, int kw, int sh, int sw, int pad, int dilation, bool signedOutput) =>
        Check(kh, kw, sh, sw, pad, dilation, signedOutput, 27);

    // wide rows: several 16-column interior blocks (the AVX-512 register path) between the border columns
    [Theory]
    [InlineData(3, 3, 1, 1, 1, 1, false, 70)]
    [InlineData(5, 5, 1, 1, 2, 1, true, 83)]
    [InlineData(3, 5, 2, 1, 2, 2, true, 64)]
    [InlineData(1, 1, 1, 1, 0, 1, false, 48)]
    [InlineData(3, 3, 1, 2, 1, 1, false, 70)]
    [InlineData(3, 3, 2, 2, 1, 1, true, 64)]
    [InlineData(5, 5, 1, 2, 2, 1, false, 83)]
    [InlineData(3, 3, 1, 2, 0, 2, true, 97)]
    [InlineData(3, 3, 1, 2, 1, 1, true, 71)]
    public void Matches_the_reference_on_wide_rows(int kh, int kw, int sh, int sw, int pad, int dilation, bool signedOutput, int w) =>
        Check(kh, kw, sh, sw, pad, dilation, signedOutput, w);

    private static void Check(int kh, int kw, int sh, int sw, int pad, int dilation, bool signedOutput, int w)
    {
        var rng = new Rng((ulong)(kh * 1000 + kw * 100 + sh * 10 + sw + pad * 7 + dilation * 13 + w));
        int ch = 5, h = 9;
        int outH = (h + 2 * pad - dilation * (kh - 1) - 1) / sh + 1, outW = (w + 2 * pad - dilation * (kw - 1) - 1) / sw + 1;
        var g = new QDepthwiseGeometry(ch, h, w, kh, kw, sh, sw, dilation, dilation, pad, pad, outH, outW);
        var x = Enumerable.Range(0, ch * h * w).Select(_ => (byte)rng.NextInt(256)).ToArray();
        var wts = Enumerable.Range(0, ch * kh * kw).Select(i => i % 11 == 0 ? 0 : rng.NextInt(255) - 127).ToArray();
        var bias = Enumerable.Range(0, ch).Select(_ => rng.NextInt(4001) - 2000).ToArray();
        var mult = Enumerable.Range(0, ch).Select(c => c == 0 ? 0.5f : 1e-3f + rng.NextFloat() * 5e-3f).ToArray();
        var expected = QDepthwiseConv.Reference(x, g, 117, wts, bias, mult, signedOutput ? -7 : 130, signedOutput);
        var y = new byte[ch * outH * outW];
        QDepthwiseConv.Run(x, g, 117, wts, bias, mult, signedOutput ? -7 : 130, signedOutput, y);
        var got = y.Select(v => signedOutput ? (int)(sbyte)v : v).ToArray();
        Assert.Equal(expected, got);
    }

    [Fact]
    public void One_multiplier_and_no_bias()
    {
        var rng = new Rng(3);
        var g = new QDepthwiseGeometry(2, 4, 20, 3, 3, 1, 1, 1, 1, 1, 1, 4, 20);
        var x = Enumerable.Range(0, 2 * 4 * 20).Select(_ => (byte)rng.NextInt(256)).ToArray();
        var wts = Enumerable.Range(0, 18).Select(_ => rng.NextInt(255) - 127).ToArray();
        var y = new byte[2 * 4 * 20];
        QDepthwiseConv.Run(x, g, 0, wts, [], [0.001f], 5, false, y);
        Assert.Equal(QDepthwiseConv.Reference(x, g, 0, wts, [], [0.001f], 5, false), y.Select(v => (int)v).ToArray());
    }

    [Fact]
    public void Short_buffers_throw() =>
        Assert.Throws<ArgumentException>(() => QDepthwiseConv.Run(new byte[10], new QDepthwiseGeometry(1, 4, 4, 3, 3, 1, 1, 1, 1, 0, 0, 2, 2), 0, new int[9], [], [1f], 0, false, new byte[4]));
}
