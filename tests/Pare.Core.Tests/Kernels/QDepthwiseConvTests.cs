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

    // the AVX-512BW row body (QDepthwiseRows): tap pairs 1..5 (kW 1..9, the last pair of an odd kW half empty),
    // 32-column blocks requantized in registers plus a partial last block through the epilogue, stride 2 columns,
    // padding wider than the kernel's half, kernel rows above and below a short image
    [Theory]
    [InlineData(3, 7, 1, 1, 3, false, 90, 9)]
    [InlineData(3, 9, 1, 2, 4, true, 131, 9)]
    [InlineData(1, 2, 1, 1, 0, false, 65, 9)]
    [InlineData(5, 5, 1, 1, 2, true, 32, 2)]
    [InlineData(5, 5, 2, 1, 2, false, 96, 3)]
    [InlineData(3, 3, 1, 1, 3, true, 61, 4)]
    [InlineData(3, 3, 1, 2, 2, false, 127, 5)]
    [InlineData(5, 6, 1, 1, 1, false, 200, 6)]
    public void Row_body_matches_the_reference(int kh, int kw, int sh, int sw, int pad, bool signedOutput, int w, int h) =>
        Check(kh, kw, sh, sw, pad, 1, signedOutput, w, h);

    // a non-finite multiplier keeps the scalar epilogue; a zero point outside a byte and weights beyond int16 keep
    // the tap-by-tap body (the row body pads with the zero point and multiplies int16 pairs)
    [Theory]
    [InlineData(float.PositiveInfinity, 117, 1)]
    [InlineData(float.NaN, 117, 1)]
    [InlineData(0.002f, 300, 1)]
    [InlineData(0.002f, -5, 1)]
    [InlineData(1e-6f, 117, 40000)]
    public void Edge_parameters_match_the_reference(float special, int xZero, int weightScale)
    {
        var rng = new Rng(77);
        var g = new QDepthwiseGeometry(3, 5, 70, 3, 3, 1, 1, 1, 1, 1, 1, 5, 70);
        var x = Enumerable.Range(0, 3 * 5 * 70).Select(_ => (byte)rng.NextInt(256)).ToArray();
        var wts = Enumerable.Range(0, 27).Select(_ => (rng.NextInt(255) - 127) * weightScale).ToArray();
        float[] mult = [0.001f, special, 0.003f];
        var expected = QDepthwiseConv.Reference(x, g, xZero, wts, [5, -9, 100], mult, 3, false);
        var y = new byte[3 * 5 * 70];
        QDepthwiseConv.Run(x, g, xZero, wts, [5, -9, 100], mult, 3, false, y);
        Assert.Equal(expected, y.Select(v => (int)v).ToArray());
    }

    private static void Check(int kh, int kw, int sh, int sw, int pad, int dilation, bool signedOutput, int w, int h = 9)
    {
        var rng = new Rng((ulong)(kh * 1000 + kw * 100 + sh * 10 + sw + pad * 7 + dilation * 13 + w));
        int ch = 5;
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
