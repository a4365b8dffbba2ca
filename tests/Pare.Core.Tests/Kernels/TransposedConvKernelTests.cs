using Pare.Core.Kernels.Conv;
using Pare.Core.Tests.Support;
using Pare.Core.Threading;

namespace Pare.Core.Tests.Kernels;

/// <summary>The transposed convolution forward (<see cref="TransposedConv2dKernel"/>) with bias and output stage:
/// the exact-tiling path (kernel = stride: GEMM + scatter per band of rows) and the general path (col2im) against the
/// double scatter reference followed by the stage's scalar twin, on odd sizes, strides, dilations, groups and output
/// padding; and bit-identical results for any thread count.</summary>
[Collection(nameof(ThreadCountSerial))]
public class TransposedConvKernelTests
{
    private static readonly ConvOutputStage[] Stages =
    [
        ConvOutputStage.None,
        new(new ConvEpilogue(ConvActivation.Relu)),
        new(new ConvEpilogue(ConvActivation.Sigmoid)),
        new(new ConvEpilogue(ConvActivation.HardSigmoid, 0.2f, 0.5f), PreScale: 0.5f),
    ];

    // the stage after a float32 sum: the reference's sum differs by the dot-product error, which the stage carries
    // through with a slope of at most 1
    private static float Atol(int k) => (float)(Tolerance.DotProductPerSqrtK * Math.Sqrt(k + 1) * 4 * 3);

    /// <summary>The inner convolution's geometry of ConvTranspose x (n, cIn, h, w) → (n, cOut, OutH, OutW).</summary>
    private static ConvGeometry Inner(int n, int cIn, int h, int w, int cOut, int kh, int kw, int stride, int pad, int dilation, int groups, int outputPadding)
    {
        int outH = stride * (h - 1) + outputPadding + dilation * (kh - 1) + 1 - 2 * pad;
        int outW = stride * (w - 1) + outputPadding + dilation * (kw - 1) + 1 - 2 * pad;
        var g = new ConvGeometry(n, cOut, outH, outW, cIn, kh, kw, stride, stride, pad, pad, pad, pad, dilation, dilation, groups);
        Assert.True(g.IsValid && g.OutHeight == h && g.OutWidth == w, g.ToString());
        return g;
    }

    [Theory]
    [InlineData(1, 24, 80, 136, 24, 2, 2, 2, 0, 1, 1, 0)] // PaddleOCR det's first upsampling: many bands
    [InlineData(1, 24, 9, 17, 1, 2, 2, 2, 0, 1, 1, 0)] // one output channel (det's last layer), odd sizes
    [InlineData(2, 5, 7, 13, 3, 2, 2, 2, 0, 1, 1, 0)] // batch 2, odd channels
    [InlineData(2, 6, 5, 11, 4, 3, 3, 3, 0, 1, 2, 0)] // kernel 3 = stride 3, groups 2: scalar interleave
    [InlineData(1, 4, 6, 9, 6, 1, 1, 1, 0, 1, 2, 0)] // 1×1 stride 1: a plain copy per row
    [InlineData(1, 3, 5, 7, 2, 2, 3, 2, 0, 1, 1, 0)] // kernel 2×3, stride 2: overlapping columns, general path
    [InlineData(2, 4, 5, 6, 6, 3, 3, 2, 1, 1, 2, 1)] // stride 2, pad 1, output padding 1, groups 2: general path
    [InlineData(1, 3, 4, 5, 3, 2, 2, 2, 0, 2, 3, 1)] // dilation 2, depthwise: general path
    public void Forward_matches_the_reference_then_stage(int n, int cIn, int h, int w, int cOut, int kh, int kw, int stride,
        int pad, int dilation, int groups, int outputPadding)
    {
        // ConvGeometry takes one kernel size per axis; a 2×3 kernel with stride 2 keeps StrideW = 2 (overlap in W)
        var g = Inner(n, cIn, h, w, cOut, kh, kw, stride, pad, dilation, groups, outputPadding);
        int xCount = n * cIn * h * w, yCount = n * cOut * g.InHeight * g.InWidth, plane = g.InHeight * g.InWidth;
        var x = KernelCases.Values(xCount, 61, -1f, 1f).ToArray();
        var wt = KernelCases.Values(g.WeightCount, 62, -1f, 1f).ToArray();
        var bias = KernelCases.Values(cOut, 63, -1f, 1f).ToArray();
        var reference = new float[yCount];
        Conv2dReference.BackwardInput(g, x, wt, reference);
        int taps = g.GroupOutChannels * kh * kw;
        foreach (var stage in Stages)
        {
            foreach (bool withBias in new[] { false, true })
            {
                var y = new float[yCount];
                Array.Fill(y, float.NaN);
                TransposedConv2dKernel.Forward(g, x, wt, withBias ? bias : default, stage, y);
                var expected = new float[yCount];
                for (int i = 0; i < yCount; i++) expected[i] = stage.Scalar(reference[i], withBias ? bias[i / plane % cOut] : null, null);
                KernelCases.AssertClose(expected, y, 1e-5f, Atol(taps), $"{stage} bias={withBias} {g}");
            }
        }
    }

    [Theory]
    [InlineData(2, 2, true)]
    [InlineData(3, 2, false)]
    public void Tiling_is_detected_only_for_kernel_equal_to_stride(int kernel, int stride, bool tiles)
    {
        var g = Inner(1, 2, 4, 4, 2, kernel, kernel, stride, 0, 1, 1, 0);
        Assert.Equal(tiles, TransposedConv2dKernel.IsTiling(g));
    }

    [Fact]
    public unsafe void Interleave_matches_the_scalar_loop_for_every_width()
    {
        for (int kw = 1; kw <= 3; kw++)
        {
            for (int width = 0; width <= 40; width++)
            {
                int ld = width + 5;
                var src = KernelCases.Values(kw * ld, (ulong)(kw * 100 + width), -3f, 3f).ToArray();
                var dst = new float[kw * width];
                fixed (float* ps = src, pd = dst) TransposedConv2dKernel.Interleave(ps, ld, kw, width, pd);
                for (int x = 0; x < width; x++)
                    for (int j = 0; j < kw; j++) Assert.Equal(src[j * ld + x], dst[x * kw + j]);
            }
        }
    }

    [Fact]
    public void Results_are_bit_identical_for_any_thread_count()
    {
        var cases = new[]
        {
            Inner(2, 24, 40, 68, 24, 2, 2, 2, 0, 1, 1, 0),
            Inner(1, 8, 30, 20, 4, 3, 3, 2, 1, 1, 1, 1),
        };
        int saved = Parallelism.ThreadCount;
        try
        {
            foreach (var g in cases)
            {
                var x = KernelCases.Values(g.N * g.OutChannels * g.OutHeight * g.OutWidth, 71, -1f, 1f).ToArray();
                var wt = KernelCases.Values(g.WeightCount, 72, -1f, 1f).ToArray();
                var bias = KernelCases.Values(g.InChannels, 73, -1f, 1f).ToArray();
                var stage = new ConvOutputStage(new ConvEpilogue(ConvActivation.Relu));
                float[] Run(int threads)
                {
                    Parallelism.SetThreadCount(threads);
                    var y = new float[g.N * g.InChannels * g.InHeight * g.InWidth];
                    TransposedConv2dKernel.Forward(g, x, wt, bias, stage, y);
                    return y;
                }
                var expected = Run(1);
                foreach (int threads in new[] { 2, 3 })
                    Assert.Equal(expected.Select(BitConverter.SingleToInt32Bits), Run(threads).Select(BitConverter.SingleToInt32Bits));
            }
        }
        finally
        {
            Parallelism.SetThreadCount(saved);
        }
    }
}
