using Pare.Core.Ops;
using Pare.Core.Random;
using Pare.Core.Tests.Support;

namespace Pare.Core.Tests.Ops;

public class TransposedConvolutionTests
{
    /// <summary>Float32 sums of a few dozen products, compared with a double reference.</summary>
    private const float ValueTolerance = 1e-5f;

    private static Tensor Rand(ulong seed, params int[] shape) => Tensor.Uniform(shape, -1f, 1f, new Rng(seed));

    [Theory]
    [GradCheck("conv_transpose2d")]
    [InlineData(1, 2, 3, 4, 3, 3, 3, 1, 0, 0, 0, 0, 1, 1, 0)]
    [InlineData(2, 2, 3, 3, 2, 3, 2, 2, 1, 0, 1, 1, 1, 1, 1)] // stride 2, asymmetric pads, output padding
    [InlineData(1, 2, 4, 3, 3, 2, 2, 1, 0, 1, 0, 0, 2, 1, 0)] // dilation 2
    [InlineData(1, 4, 3, 3, 4, 3, 3, 2, 1, 1, 1, 1, 1, 2, 0)] // groups 2
    [InlineData(2, 3, 3, 3, 3, 3, 3, 2, 1, 1, 1, 1, 1, 3, 1)] // depthwise
    public void ConvTranspose2d_gradients_match_finite_differences(int n, int c, int h, int w, int k, int kh, int kw, int stride,
        int padTop, int padLeft, int padBottom, int padRight, int dilation, int groups, int outputPadding)
    {
        var options = new Conv2dOptions(stride, stride, padTop, padLeft, padBottom, padRight, dilation, dilation, groups);
        GradCheck.Check(xs => TransposedConvolution.ConvTranspose2d(xs[0], xs[1], xs[2], options, (outputPadding, outputPadding)),
            [Rand(1, n, c, h, w), Rand(2, c, k / groups, kh, kw), Rand(3, k)]);
    }

    [Fact]
    [GradCheck("conv_transpose1d")]
    public void ConvTranspose1d_gradients_match_finite_differences() =>
        GradCheck.Check(xs => TransposedConvolution.ConvTranspose1d(xs[0], xs[1], xs[2], 2, (1, 0), 1),
            [Rand(4, 2, 2, 5), Rand(5, 2, 3, 3), Rand(6, 3)]);

    [Theory]
    [InlineData(2, 1, 1, 0, 1, 1)]
    [InlineData(3, 2, 1, 0, 2, 2)]
    [InlineData(1, 1, 0, 0, 1, 1)]
    public void ConvTranspose2d_matches_a_scatter_reference(int stride, int pad, int outputPadding, int padEnd, int dilation, int groups)
    {
        int n = 2, c = 2, h = 3, w = 4, kOut = 2 * groups, kh = 3, kw = 2;
        var x = Rand(7, n, c, h, w);
        var weight = Rand(8, c, kOut / groups, kh, kw);
        var bias = Rand(9, kOut);
        var options = new Conv2dOptions(stride, stride, pad, pad, padEnd, padEnd, dilation, dilation, groups);
        var y = TransposedConvolution.ConvTranspose2d(x, weight, bias, options, (outputPadding, outputPadding));
        int outH = stride * (h - 1) + outputPadding + dilation * (kh - 1) + 1 - pad - padEnd;
        int outW = stride * (w - 1) + outputPadding + dilation * (kw - 1) + 1 - pad - padEnd;
        Assert.Equal(new Shape(n, kOut, outH, outW), y.Shape);
        var expected = new double[n * kOut * outH * outW];
        int cg = c / groups, kg = kOut / groups;
        for (int b = 0; b < n; b++)
            for (int ci = 0; ci < c; ci++)
                for (int ko = 0; ko < kg; ko++)
                    for (int iy = 0; iy < h; iy++)
                        for (int ix = 0; ix < w; ix++)
                            for (int ky = 0; ky < kh; ky++)
                                for (int kx = 0; kx < kw; kx++)
                                {
                                    int oy = iy * stride + ky * dilation - pad, ox = ix * stride + kx * dilation - pad;
                                    if (oy < 0 || oy >= outH || ox < 0 || ox >= outW) continue;
                                    int k = ci / cg * kg + ko;
                                    expected[((b * kOut + k) * outH + oy) * outW + ox] += (double)x[b, ci, iy, ix] * weight[ci, ko, ky, kx];
                                }
        var actual = y.ToArray<float>();
        for (int i = 0; i < expected.Length; i++)
        {
            double e = expected[i] + bias[i / (outH * outW) % kOut];
            Assert.True(Math.Abs(actual[i] - e) <= ValueTolerance, $"element {i}: {actual[i]} vs {e}");
        }
    }

    [Fact]
    public void ConvTranspose2d_rejects_output_padding_not_below_the_stride()
    {
        var e = Assert.Throws<ArgumentException>(() =>
            TransposedConvolution.ConvTranspose2d(Rand(10, 1, 1, 3, 3), Rand(11, 1, 1, 3, 3), null, new Conv2dOptions(2, 2), (2, 0)));
        Assert.Contains("output padding", e.Message);
    }
}
