using Pare.Core.Kernels.Conv;
using Pare.Core.Tests.Support;

namespace Pare.Core.Tests.Kernels;

/// <summary><see cref="SmallPlaneConv"/> (convs with at most <see cref="SmallPlaneConv.MaxPlane"/> output positions)
/// against the double-accumulating <see cref="Conv2dReference"/>, and through the conv2d/conv1d ops that dispatch to it.</summary>
public class SmallPlaneConvTests
{
    // float dot products over patches of up to 400 taps of values in [-1, 1]
    private const float Tolerance = 1e-5f;

    [Theory]
    [InlineData(1, 1, 1, 640, 258, 1, 256, 1, 128, 0, 0, 0, 0, 1, 1)] // silero's STFT: 4 positions, stride 128
    [InlineData(1, 129, 1, 4, 128, 1, 3, 1, 1, 0, 1, 0, 1, 1, 1)] // encoder conv, pad 1: 4 positions, edge taps clipped
    [InlineData(1, 128, 1, 4, 64, 1, 3, 1, 2, 0, 1, 0, 1, 1, 1)] // stride 2: 2 positions
    [InlineData(2, 64, 1, 1, 128, 1, 3, 1, 1, 0, 1, 0, 1, 1, 1)] // one position, both side taps in the padding; batch 2
    [InlineData(3, 6, 3, 3, 5, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1)] // 2-D, 9 > MaxPlane: not taken (Fits is false)
    [InlineData(2, 6, 4, 4, 6, 3, 3, 2, 2, 1, 1, 0, 0, 1, 2)] // 2-D 2×2 plane, groups 2, asymmetric pads
    [InlineData(1, 4, 5, 9, 2, 2, 3, 2, 3, 0, 0, 0, 1, 2, 2)] // dilation 2 on both axes, one output channel per group
    [InlineData(1, 3, 1, 11, 3, 1, 4, 1, 3, 0, 5, 0, 5, 1, 1)] // pads wider than the kernel: whole windows of zeros
    public void Matches_the_reference(int n, int c, int h, int w, int k, int kh, int kw, int strideH, int strideW,
        int padTop, int padLeft, int padBottom, int padRight, int dilation, int groups)
    {
        var g = new ConvGeometry(n, c, h, w, k, kh, kw, strideH, strideW, padTop, padLeft, padBottom, padRight, dilation, dilation, groups);
        Assert.True(g.IsValid && g.OutHeight > 0 && g.OutWidth > 0, g.ToString());
        if (!SmallPlaneConv.Fits(g))
        {
            Assert.True(g.OutHeight * g.OutWidth > SmallPlaneConv.MaxPlane, g.ToString());
            return;
        }
        var x = KernelCases.Values(n * c * h * w, 1, -1f, 1f).ToArray();
        var wt = KernelCases.Values(g.WeightCount, 2, -1f, 1f).ToArray();
        foreach (var bias in new[] { Array.Empty<float>(), KernelCases.Values(k, 3, -1f, 1f).ToArray() })
        {
            int count = n * k * g.OutHeight * g.OutWidth;
            var y = Enumerable.Repeat(float.NaN, count).ToArray(); // every output must be written
            var expected = new float[count];
            SmallPlaneConv.Forward(g, x, wt, bias, y);
            Conv2dReference.Forward(g, x, wt, bias, expected);
            for (int i = 0; i < count; i++)
                Assert.True(Math.Abs(y[i] - expected[i]) <= Tolerance * (1 + Math.Abs(expected[i])) * Math.Sqrt(g.PatchSize),
                    $"{g} bias {bias.Length > 0}: y[{i}] = {y[i]}, expected {expected[i]}");
        }
    }

    [Fact]
    public void Depthwise_pointwise_and_large_planes_are_left_to_the_other_kernels()
    {
        Assert.False(SmallPlaneConv.Fits(new ConvGeometry(1, 4, 1, 4, 4, 1, 3, PadLeft: 1, PadRight: 1, Groups: 4)));
        Assert.False(SmallPlaneConv.Fits(new ConvGeometry(1, 4, 1, 10, 4, 1, 2))); // 9 positions
        Assert.True(SmallPlaneConv.Fits(new ConvGeometry(1, 4, 1, 9, 4, 1, 2, StrideW: 2)));
        Assert.False(SmallPlaneConv.Fits(new ConvGeometry(1, 4, 1, 8, 4, 1, 1))); // pointwise
    }

    [Fact]
    public void Conv1d_op_takes_the_small_plane_path()
    {
        // pad (1, 0), stride 2: 3 output positions, the first window overhanging the padding
        var rng = new Pare.Core.Random.Rng(4);
        var x = Tensor.Normal([2, 3, 6], 0, 1, rng);
        var w = Tensor.Normal([5, 3, 3], 0, 1, rng);
        var b = Tensor.Normal([5], 0, 1, rng);
        var y = Pare.Core.Ops.Convolution.Conv1d(x, w, b, 2, (1, 0));
        Assert.Equal(new Shape(2, 5, 3), y.Shape);
        var g = new ConvGeometry(2, 3, 1, 6, 5, 1, 3, 1, 2, 0, 1, 0, 0);
        var expected = new float[30];
        Conv2dReference.Forward(g, x.ToArray<float>(), w.ToArray<float>(), b.ToArray<float>(), expected);
        var actual = y.ToArray<float>();
        for (int i = 0; i < 30; i++) Assert.True(Math.Abs(actual[i] - expected[i]) <= 1e-5f * (1 + Math.Abs(expected[i])), $"y[{i}]");
    }
}
