using Pare.Core.Kernels.Conv;
using Pare.Core.Tests.Support;

namespace Pare.Core.Tests.Kernels;

public class ConvEpilogueTests
{
    public static TheoryData<int> Lengths => new() { 0, 1, 3, 7, 8, 15, 16, 17, 31, 33, 64, 100, 257 };

    private static readonly ConvEpilogue[] Epilogues =
    [
        new(ConvActivation.None),
        new(ConvActivation.Relu),
        new(ConvActivation.Clip, -0.5f, 0.75f),
        new(ConvActivation.HardSigmoid, 0.2f, 0.5f),
        new(ConvActivation.HardSwish),
        new(ConvActivation.LeakyRelu, 0.1f),
        new(ConvActivation.Sigmoid),
        new(ConvActivation.ShiftClipMulDiv, 3f, 0f, 6f, 6f),
    ];

    // double-precision definitions of the activations
    private static double Reference(ConvEpilogue e, double x) => e.Kind switch
    {
        ConvActivation.None => x,
        ConvActivation.Relu => Math.Max(x, 0),
        ConvActivation.Clip => Math.Min(Math.Max(x, e.A), e.B),
        ConvActivation.HardSigmoid => Math.Max(0, Math.Min(1, e.A * x + e.B)),
        ConvActivation.HardSwish => x * Math.Max(0, Math.Min(1, x / 6 + 0.5)),
        ConvActivation.LeakyRelu => x < 0 ? e.A * x : x,
        ConvActivation.Sigmoid => 1 / (1 + Math.Exp(-x)),
        ConvActivation.ShiftClipMulDiv => x * Math.Min(Math.Max(x + e.A, e.B), e.C) / e.D,
        _ => throw new InvalidOperationException(),
    };

    [Theory, MemberData(nameof(Lengths))]
    public void EpiloguesMatchTheDoubleReferenceAndTheirScalarTwin(int n)
    {
        foreach (var e in Epilogues)
        {
            var x = KernelCases.Values(n, (ulong)n + 7, lo: -8f, hi: 8f).ToArray();
            var simd = (float[])x.Clone();
            var scalar = (float[])x.Clone();
            e.Apply(simd);
            e.ApplyScalar(scalar);
            var expected = x.Select(v => (float)Reference(e, v)).ToArray();
            KernelCases.AssertClose(expected, simd, 1e-6f, 1e-6f, $"{e.Kind} SIMD vs double");
            KernelCases.AssertClose(expected, scalar, 1e-6f, 1e-6f, $"{e.Kind} scalar vs double");
            if (e.Kind != ConvActivation.Sigmoid)
                for (int i = 0; i < n; i++) Assert.Equal(BitConverter.SingleToInt32Bits(scalar[i]), BitConverter.SingleToInt32Bits(simd[i]));
        }
    }

    [Fact]
    public void ReluAndClipKeepNaN()
    {
        float[] y = [float.NaN, -1f, 2f, float.NaN, 0f, 5f, -3f, float.NaN, 1f];
        new ConvEpilogue(ConvActivation.Relu).Apply(y);
        Assert.True(float.IsNaN(y[0]) && float.IsNaN(y[3]) && float.IsNaN(y[7]));
        Assert.Equal(0f, y[1]);
    }
}
