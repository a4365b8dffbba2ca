using System.Runtime.Intrinsics.X86;
using Pare.Core.Kernels.Conv;
using Pare.Core.Kernels.Gemm;
using Pare.Core.Tests.Support;

namespace Pare.Core.Tests.Kernels;

/// <summary>The direct convolution Conv2dKernel takes for short patches over few input channels (AVX-512; other
/// CPUs run the im2col GEMM, and these tests then check that path): bit for bit against im2col + GEMM + bias, and
/// against the double-accumulating reference.</summary>
public class DirectConv2dTests
{
    // MNIST's two layers, PaddleOCR's first layer (stride 2, 2 images), odd widths with a tail of lanes (units paired
    // across rows), mixed strides, asymmetric padding, one output row, 16 input channels with a 3×5 window
    public static TheoryData<ConvGeometry> Geometries => new()
    {
        new ConvGeometry(1, 1, 28, 28, 8, 5, 5, 1, 1, 2, 2, 2, 2),
        new ConvGeometry(1, 8, 14, 14, 16, 5, 5, 1, 1, 2, 2, 2, 2),
        new ConvGeometry(2, 3, 48, 192, 8, 3, 3, 2, 2, 1, 1, 1, 1),
        new ConvGeometry(1, 3, 17, 37, 16, 3, 3, 2, 2, 1, 1, 1, 1),
        new ConvGeometry(2, 2, 9, 19, 8, 3, 3, 1, 2, 1, 0, 1, 1),
        new ConvGeometry(1, 4, 13, 50, 24, 2, 3, 2, 1, 0, 1, 1, 0),
        new ConvGeometry(3, 1, 3, 10, 8, 3, 3, 1, 1, 0, 0, 0, 0),
        new ConvGeometry(1, 16, 10, 33, 8, 3, 5, 1, 1, 1, 2, 1, 2),
        // few output channels over many input channels (PaddleOCR det's 96 → 24): patches of 3 and 2 GEMM k blocks
        new ConvGeometry(1, 96, 12, 50, 24, 3, 3, 1, 1, 1, 1, 1, 1),
        new ConvGeometry(2, 64, 9, 100, 16, 3, 3, 2, 2, 1, 1, 1, 1),
    };

    [Theory, MemberData(nameof(Geometries))]
    public void DirectConvEqualsIm2ColGemmBitForBit(ConvGeometry g)
    {
        Assert.True(g.IsValid, g.ToString());
        if (Avx512F.IsSupported) Assert.True(DirectConv2d.Fits(g), g.ToString());
        int plane = g.OutHeight * g.OutWidth, inImage = g.InChannels * g.InHeight * g.InWidth, yCount = g.N * g.OutChannels * plane;
        var x = KernelCases.Values(g.N * inImage, 41, -1f, 1f).ToArray();
        var w = KernelCases.Values(g.WeightCount, 42, -1f, 1f).ToArray();
        var bias = KernelCases.Values(g.OutChannels, 43, -1f, 1f).ToArray();
        var y = new float[yCount];
        Array.Fill(y, float.NaN);
        Conv2dKernel.Forward(g, x, w, bias, y);

        // im2col + one GEMM per image (one k block: the same fused multiply-adds in the same order), then the bias
        var expected = new float[yCount];
        var col = new float[g.PatchSize * plane];
        for (int n = 0; n < g.N; n++)
        {
            Im2Col.Unfold(g, x.AsSpan(n * inImage, inImage), col);
            var yn = expected.AsSpan(n * g.OutChannels * plane, g.OutChannels * plane);
            Gemm.Sgemm(false, false, g.OutChannels, plane, g.PatchSize, 1f, w, g.PatchSize, col, plane, 0f, yn, plane);
            for (int k = 0; k < g.OutChannels; k++)
                for (int p = 0; p < plane; p++) yn[k * plane + p] += bias[k];
        }
        for (int i = 0; i < yCount; i++)
            Assert.True(BitConverter.SingleToInt32Bits(expected[i]) == BitConverter.SingleToInt32Bits(y[i]), $"{g}: [{i}] {y[i]} vs im2col GEMM {expected[i]}");

        var reference = new float[yCount];
        Conv2dReference.Forward(g, x, w, bias, reference);
        float atol = (float)(Tolerance.DotProductPerSqrtK * Math.Sqrt(g.PatchSize + 1) * 4);
        KernelCases.AssertClose(reference, y, 1e-5f, atol, $"{g} vs reference");
    }
}
