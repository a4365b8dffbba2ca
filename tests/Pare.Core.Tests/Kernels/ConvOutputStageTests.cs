using Pare.Core.Kernels.Conv;
using Pare.Core.Tests.Support;

namespace Pare.Core.Tests.Kernels;

/// <summary>The inference convolution with its bias, residual and output stage applied block by block inside the kernel,
/// against the plain kernel followed by the stage's scalar twin (bit for bit: each step is rounded on its own in
/// both) and against the double reference (within the convolution tolerance).</summary>
public class ConvOutputStageTests
{
    // every activation, with and without the optional affine steps
    private static readonly ConvOutputStage[] Stages =
    [
        ConvOutputStage.None,
        new(new ConvEpilogue(ConvActivation.Relu)),
        new(new ConvEpilogue(ConvActivation.Clip, 0f, 6f), PreScale: 0.5f),
        new(new ConvEpilogue(ConvActivation.HardSigmoid, 0.2f, 0.5f), PreShift: 0.25f),
        new(new ConvEpilogue(ConvActivation.HardSwish), 1.5f, -0.125f, 2f, 0.5f),
        new(new ConvEpilogue(ConvActivation.LeakyRelu, 0.1f), OutputScale: 3f),
        new(new ConvEpilogue(ConvActivation.Sigmoid), PreScale: 2f, OutputShift: -1f),
        new(new ConvEpilogue(ConvActivation.ShiftClipMulDiv, 3f, 0f, 6f, 6f), OutputShift: 0.5f),
    ];

    // tolerance for Sigmoid, whose vector exp (TensorPrimitives) and scalar MathF.Exp may differ in the last bits
    private const float SigmoidTolerance = 1e-6f;

    [Theory]
    [InlineData(2, 3, 6, 7, 4, 3, 3, 1, 1, 1)] // im2col + GEMM, several images per chunk (scatter path)
    [InlineData(1, 3, 6, 7, 4, 3, 3, 1, 1, 1)] // im2col + GEMM, one image
    [InlineData(1, 5, 9, 37, 29, 1, 1, 1, 0, 1)] // pointwise: GEMM straight on x, 29 rows = 2·12 + 4 + 1 (edge tiles)
    [InlineData(2, 4, 5, 19, 6, 1, 1, 1, 0, 2)] // grouped pointwise: the residual follows each group's rows
    [InlineData(1, 3, 47, 45, 13, 3, 3, 1, 1, 1)] // large image: bands of output rows, residual offset per band
    [InlineData(2, 6, 7, 21, 6, 3, 3, 1, 1, 6)] // depthwise
    [InlineData(1, 4, 9, 40, 8, 5, 5, 2, 2, 4)] // depthwise 5×5, multiplier 2, stride 2
    [InlineData(1, 3, 5, 150, 3, 5, 5, 1, 2, 3)] // depthwise 5×5, rows of 64-output blocks and a tail
    [InlineData(1, 2, 1, 1, 3, 1, 1, 1, 0, 1)] // 1×1 image: the GEMV path
    [InlineData(1, 8, 14, 14, 16, 5, 5, 1, 2, 1)] // DirectConv2d (AVX-512): MNIST's second layer, 14 of 16 lanes
    [InlineData(2, 3, 11, 41, 8, 3, 3, 2, 1, 1)] // DirectConv2d, stride 2, 21 columns: a pair of units across rows
    public void Fused_forward_equals_conv_then_stage(int n, int c, int h, int w, int k, int kh, int kw, int stride, int pad, int groups)
    {
        var g = new ConvGeometry(n, c, h, w, k, kh, kw, stride, stride, pad, pad, pad, pad, 1, 1, groups);
        Assert.True(g.IsValid, g.ToString());
        int yCount = n * k * g.OutHeight * g.OutWidth, plane = g.OutHeight * g.OutWidth;
        var x = KernelCases.Values(n * c * h * w, 31, -1f, 1f).ToArray();
        var wt = KernelCases.Values(g.WeightCount, 32, -1f, 1f).ToArray();
        var bias = KernelCases.Values(k, 33, -1f, 1f).ToArray();
        var z = KernelCases.Values(yCount, 34, -2f, 2f).ToArray();
        float[] plain = new float[yCount], reference = new float[yCount];
        Conv2dKernel.Forward(g, x, wt, bias, plain);
        Conv2dReference.Forward(g, x, wt, bias, reference);
        foreach (var stage in Stages)
        {
            foreach (bool withZ in new[] { false, true })
            {
                var fused = new float[yCount];
                Array.Fill(fused, float.NaN);
                Conv2dKernel.Forward(g, x, wt, bias, withZ ? z : default, stage, fused);
                var expected = new float[yCount];
                var expectedRef = new float[yCount];
                for (int i = 0; i < yCount; i++)
                {
                    float? zi = withZ ? z[i] : null;
                    expected[i] = stage.Scalar(plain[i], null, zi);
                    expectedRef[i] = stage.Scalar(reference[i], null, zi);
                }
                string what = $"{stage} z={withZ} {g}";
                if (stage.Activation.Kind == ConvActivation.Sigmoid)
                    KernelCases.AssertClose(expected, fused, SigmoidTolerance, SigmoidTolerance, what);
                else
                    for (int i = 0; i < yCount; i++) Assert.True(BitConverter.SingleToInt32Bits(expected[i]) == BitConverter.SingleToInt32Bits(fused[i]),
                        $"{what}: [{i}] (channel {i / plane % k}) {expected[i]} vs {fused[i]}");
                float atol = (float)(Tolerance.DotProductPerSqrtK * Math.Sqrt(g.PatchSize + 1) * 4 * 3);
                KernelCases.AssertClose(expectedRef, fused, 1e-5f, atol, $"{what} vs reference");
            }
        }
    }

    [Fact]
    public unsafe void Rows_of_every_length_match_the_scalar_stage()
    {
        for (int n = 0; n <= 40; n++)
        {
            var y0 = KernelCases.Values(n, (ulong)n + 50, -8f, 8f).ToArray();
            var z = KernelCases.Values(n, (ulong)n + 90, -1f, 1f).ToArray();
            if (n > 2) y0[2] = -0f; // without shifts −0 stays −0 (·1 or +0 would change it)
            foreach (var stage in Stages)
            {
                var y = (float[])y0.Clone();
                fixed (float* py = y, pz = z) stage.ApplyRow(py, n, true, 0.375f, pz);
                for (int i = 0; i < n; i++)
                {
                    float expected = stage.Scalar(y0[i], 0.375f, z[i]);
                    if (stage.Activation.Kind == ConvActivation.Sigmoid) Assert.Equal(expected, y[i], SigmoidTolerance);
                    else Assert.Equal(BitConverter.SingleToInt32Bits(expected), BitConverter.SingleToInt32Bits(y[i]));
                }
                y = (float[])y0.Clone();
                fixed (float* py = y) ConvOutputStage.None.ApplyRow(py, n, false, 0f, null);
                Assert.Equal(y0.Select(BitConverter.SingleToInt32Bits), y.Select(BitConverter.SingleToInt32Bits));
            }
        }
    }

    [Fact]
    public void Residual_of_the_wrong_size_is_rejected()
    {
        var g = new ConvGeometry(1, 2, 4, 4, 3, 3, 3);
        var ex = Assert.Throws<ArgumentException>(() =>
            Conv2dKernel.Forward(g, new float[32], new float[54], default, new float[5], ConvOutputStage.None, new float[12]));
        Assert.Contains("residual", ex.Message, StringComparison.Ordinal);
    }
}
