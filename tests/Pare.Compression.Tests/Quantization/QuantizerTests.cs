using System.Text.Json;
using Pare.Compression.Quantization;
using Pare.Core;
using Pare.Core.Random;

namespace Pare.Compression.Tests.Quantization;

public class QuantizerTests
{
    private sealed record Case(string name, int[] shape, float[] x, float[] scales, int[] zero_points, int[] levels, float[] dequantized);

    private static Case Fixture(string name) =>
        JsonSerializer.Deserialize<Case[]>(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Fixtures", "quant.json")))!
            .Single(c => c.name == name);

    [Theory]
    [InlineData("per_tensor_affine_u8", false, Granularity.Tensor)]
    [InlineData("per_channel_affine_s8", true, Granularity.Channel)]
    public void MinMaxAffineMatchesPyTorch(string name, bool signed, Granularity granularity)
    {
        var c = Fixture(name);
        var x = Tensor.FromSpan<float>(c.x, new Shape(c.shape));
        var p = Quantizer.Calibrate(x, new QuantScheme(8, signed, Symmetric: false, granularity));
        for (var i = 0; i < c.scales.Length; i++) Assert.Equal(c.scales[i], p.Scales[i], c.scales[i] * 1e-6f);
        Assert.Equal(c.zero_points, p.ZeroPoints);
        Assert.Equal(c.levels, Quantizer.Quantize(x, p));
        var back = Quantizer.FakeQuantize(x, p).ToArray<float>();
        for (var i = 0; i < back.Length; i++) Assert.Equal(c.dequantized[i], back[i], 1e-6f);
    }

    [Theory]
    [InlineData(8, true, true)]
    [InlineData(8, false, false)]
    [InlineData(4, true, true)]
    [InlineData(4, true, false)]
    [InlineData(3, true, true)]
    [InlineData(2, false, false)]
    public void ZeroIsExactAndLevelsStayInRange(int bits, bool signed, bool symmetric)
    {
        var x = Tensor.Normal([8, 40], 0.3f, 2f, new Rng(1));
        x.AsSpan<float>()[5] = 0f;
        var scheme = new QuantScheme(bits, signed, symmetric, Granularity.Group, GroupSize: 16);
        var p = Quantizer.Calibrate(x, scheme);
        var q = Quantizer.Quantize(x, p);
        Assert.All(q, v => Assert.InRange(v, scheme.QMin, scheme.QMax));
        Assert.True(q.Distinct().Count() <= 1 << bits);
        Assert.Equal(0f, Quantizer.FakeQuantize(x, p).AsSpan<float>()[5]);
        Assert.Equal(8 * 3, p.Scales.Length); // 40 values per row in groups of 16 → 3 groups
    }

    [Fact]
    public void ErrorIsAtMostHalfAStepInsideTheRange()
    {
        var x = Tensor.Uniform([1000], -3f, 5f, new Rng(2));
        var p = Quantizer.Calibrate(x, QuantScheme.Activations());
        var back = Quantizer.FakeQuantize(x, p).AsSpan<float>();
        var values = x.AsSpan<float>();
        for (var i = 0; i < values.Length; i++) Assert.True(MathF.Abs(back[i] - values[i]) <= p.Scales[0] / 2 + 1e-6f);
    }

    [Fact]
    public void EntropyKeepsEachSideOfAnAsymmetricRangeWithinTheData()
    {
        // Regressions: (1) the KL threshold was found on |x| and applied to both sides, so a swish output (−0.28 … ~8)
        // was calibrated to about [−t, t], half the uint8 grid spent on negatives that never occur, and logits (a dense
        // negative bulk, a few positive winners) got the bulk's threshold on the winners' side too; (2) TensorRT's KL
        // form scores 0 for a threshold whose slice holds a single occupied bin, so the logits' bulk (−14 ± 3) was
        // clipped at −2.0, everything beyond it lost.
        var rng = new Rng(4);
        var normal = Tensor.Normal([50000], 0, 2, rng).ToArray<float>();
        var swish = normal.Select(v => v / (1 + MathF.Exp(-v))).ToArray();
        var (lo, hi) = RangeEstimators.Entropy.Estimate(swish, QuantScheme.Activations());
        Assert.InRange(lo, swish.Min(), 0f);
        Assert.InRange(hi, 1f, swish.Max());
        var logits = Tensor.Normal([50000], -14, 3, rng).ToArray<float>();
        for (var i = 0; i < 50; i++) logits[i * 1000] = 8 + i % 5;
        (lo, hi) = RangeEstimators.Entropy.Estimate(logits, QuantScheme.Activations());
        Assert.InRange(lo, logits.Min(), -14f);
        Assert.InRange(hi, 0f, logits.Max());
    }

    [Fact]
    public void MseWeightClippingLowersPerChannelWeightError()
    {
        // heavy-tailed rows (cubes of Gaussians) are where clipping pays; min–max (ratio 1) is among the MSE candidates,
        // so the MSE choice is never worse
        var w = Tensor.Wrap(Tensor.Normal([16, 256], 0, 1, new Rng(6)).ToArray<float>().Select(x => x * x * x).ToArray(), new Shape(16, 256));
        foreach (var bits in new[] { 8, 4 })
        {
            var scheme = new QuantScheme(bits, Signed: true, Symmetric: true, Granularity.Channel, Axis: 0);
            double Error(IRangeEstimator? e) => QuantizerTestsHelpers.Rms(w, Quantizer.FakeQuantize(w, Quantizer.Calibrate(w, scheme, e)));
            var (mse, minmax) = (Error(RangeEstimators.Mse), Error(null));
            Assert.True(bits == 8 ? mse <= minmax : mse < 0.95 * minmax, $"{bits} bits: mse {mse} vs minmax {minmax}");
        }
    }

    [Fact]
    public void ClippingEstimatorsBeatMinMaxOnHeavyTails()
    {
        // Gaussian bulk plus a few large outliers: clipping trades outlier error for resolution
        var x = Tensor.Normal([20000], 0, 1, new Rng(3));
        var v = x.AsSpan<float>();
        for (var i = 0; i < 3; i++) v[i * 1000] = 12f * (i % 2 == 0 ? 1 : -1);
        var scheme = new QuantScheme(4, true, true);
        var values = x.ToArray<float>();
        double Error(IRangeEstimator e)
        {
            var (lo, hi) = e.Estimate(values, scheme);
            return RangeEstimators.QuantizationMse(values, scheme, lo, hi);
        }
        var minmax = Error(RangeEstimators.MinMax);
        Assert.True(Error(RangeEstimators.Mse) < minmax * 0.5);
        Assert.True(Error(RangeEstimators.Percentile(99.9)) < minmax * 0.5);
        Assert.True(Error(RangeEstimators.Entropy) < minmax * 0.5);
    }

    [Fact]
    public void NibblesRoundTrip()
    {
        int[] q = [-8, 7, 0, -1, 3, -5, 6];
        var packed = Quantizer.PackNibbles(q);
        Assert.Equal(4, packed.Length);
        Assert.Equal(q, Quantizer.UnpackNibbles(packed, q.Length, signed: true));
    }
}

internal static class QuantizerTestsHelpers
{
    /// <summary>RMS of a − b.</summary>
    public static double Rms(Tensor a, Tensor b)
    {
        var (x, y) = (a.ToArray<float>(), b.ToArray<float>());
        return Math.Sqrt(x.Zip(y, (p, q) => (double)(p - q) * (p - q)).Average());
    }
}
