namespace Pare.Compression.Quantization;

/// <summary>Chooses the clipping range [lo, hi] of one block of values for a quantizer.</summary>
public interface IRangeEstimator
{
    /// <summary>Name used in reports and on the command line (minmax, percentile, mse, entropy).</summary>
    string Name { get; }

    /// <summary>The range to quantize <paramref name="values"/> into with <paramref name="scheme"/>.</summary>
    (float Lo, float Hi) Estimate(ReadOnlySpan<float> values, QuantScheme scheme);
}

/// <summary>The calibration methods: min–max, percentile, MSE-optimal and entropy (KL) clipping.</summary>
public static class RangeEstimators
{
    /// <summary>The full range of the values.</summary>
    public static IRangeEstimator MinMax { get; } = new MinMaxEstimator();

    /// <summary>Clips to the [100−p, p] percentiles (p = 99.99 by default).</summary>
    public static IRangeEstimator Percentile(double p = 99.99) => new PercentileEstimator(p);

    /// <summary>The clipping of the min–max range (searched over 100 ratios) with the least quantization MSE.</summary>
    public static IRangeEstimator Mse { get; } = new MseEstimator();

    /// <summary>The symmetric threshold minimizing the KL divergence between the value histogram and its
    /// quantized version (2048 bins), as TensorRT calibrates.</summary>
    public static IRangeEstimator Entropy { get; } = new EntropyEstimator();

    /// <summary>The estimator named <paramref name="name"/>.</summary>
    public static IRangeEstimator Parse(string name) => name switch
    {
        "minmax" => MinMax,
        "percentile" => Percentile(),
        "mse" => Mse,
        "entropy" or "kl" => Entropy,
        _ => throw new ArgumentException($"unknown calibration method '{name}' (minmax, percentile, mse, entropy)"),
    };

    private static (float, float) Extremes(ReadOnlySpan<float> values)
    {
        float lo = 0, hi = 0;
        foreach (var v in values)
        {
            if (!float.IsFinite(v)) throw new ArgumentException("cannot calibrate on NaN or infinite values");
            if (v < lo) lo = v;
            if (v > hi) hi = v;
        }
        return (lo, hi);
    }

    /// <summary>Mean squared error of quantizing <paramref name="values"/> into [lo, hi].</summary>
    internal static double QuantizationMse(ReadOnlySpan<float> values, QuantScheme scheme, float lo, float hi)
    {
        var (scale, zp) = QuantParams.FromRange(scheme, lo, hi);
        double sum = 0;
        foreach (var v in values)
        {
            var q = Math.Clamp(MathF.Round(v / scale + zp, MidpointRounding.ToEven), scheme.QMin, scheme.QMax);
            var d = (q - zp) * scale - v;
            sum += (double)d * d;
        }
        return values.Length == 0 ? 0 : sum / values.Length;
    }

    private sealed class MinMaxEstimator : IRangeEstimator
    {
        public string Name => "minmax";
        public (float Lo, float Hi) Estimate(ReadOnlySpan<float> values, QuantScheme scheme) => Extremes(values);
    }

    private sealed class PercentileEstimator(double p) : IRangeEstimator
    {
        public string Name => "percentile";

        public (float Lo, float Hi) Estimate(ReadOnlySpan<float> values, QuantScheme scheme)
        {
            if (values.Length == 0) return (0, 0);
            Extremes(values);
            var sorted = values.ToArray();
            Array.Sort(sorted);
            float At(double q) => sorted[(int)Math.Clamp(Math.Round(q / 100 * (sorted.Length - 1)), 0, sorted.Length - 1)];
            return (At(100 - p), At(p));
        }
    }

    private sealed class MseEstimator : IRangeEstimator
    {
        public string Name => "mse";

        public (float Lo, float Hi) Estimate(ReadOnlySpan<float> values, QuantScheme scheme)
        {
            var (lo, hi) = Extremes(values);
            (float, float) best = (lo, hi);
            var bestError = double.MaxValue;
            for (var k = 100; k >= 10; k--)
            {
                var r = k / 100f;
                var error = QuantizationMse(values, scheme, lo * r, hi * r);
                if (error < bestError) (bestError, best) = (error, (lo * r, hi * r));
            }
            return best;
        }
    }

    private sealed class EntropyEstimator : IRangeEstimator
    {
        private const int Bins = 2048;

        public string Name => "entropy";

        public (float Lo, float Hi) Estimate(ReadOnlySpan<float> values, QuantScheme scheme)
        {
            var (lo, hi) = Extremes(values);
            var absMax = Math.Max(-lo, hi);
            if (absMax == 0) return (0, 0);
            var histogram = new double[Bins];
            var width = absMax / Bins;
            foreach (var v in values) histogram[Math.Min((int)(MathF.Abs(v) / width), Bins - 1)]++;
            var levels = 1 << (scheme.Bits - 1);
            var bestBins = Bins;
            var bestKl = double.MaxValue;
            for (var i = levels; i <= Bins; i++)
            {
                var kl = Divergence(histogram, i, levels);
                if (kl < bestKl) (bestKl, bestBins) = (kl, i);
            }
            var t = (bestBins + 0.5f) * width;
            t = Math.Min(t, absMax);
            // keep the data's sign: one-sided data (after ReLU) stays one-sided
            return (lo < 0 ? -t : 0, hi > 0 ? t : 0);
        }

        /// <summary>KL(P ‖ Q): P is the first <paramref name="n"/> bins with the tail folded into the last one (what
        /// clipping at bin n does); Q is the unclipped slice merged into <paramref name="levels"/> bins and spread back
        /// over its non-empty bins (what quantizing that slice keeps), so too tight a threshold loses the tail's mass.</summary>
        private static double Divergence(double[] histogram, int n, int levels)
        {
            var p = new double[n];
            Array.Copy(histogram, p, n);
            for (var k = n; k < histogram.Length; k++) p[n - 1] += histogram[k];
            var q = new double[n];
            for (var j = 0; j < levels; j++)
            {
                int start = j * n / levels, end = (j + 1) * n / levels;
                double sum = 0;
                var nonEmpty = 0;
                for (var k = start; k < end; k++) { sum += histogram[k]; if (histogram[k] > 0) nonEmpty++; }
                for (var k = start; k < end; k++) q[k] = histogram[k] > 0 ? sum / nonEmpty : 0;
            }
            double totalP = p.Sum(), totalQ = q.Sum(), kl = 0;
            if (totalP == 0 || totalQ == 0) return double.MaxValue;
            for (var k = 0; k < n; k++)
            {
                if (p[k] == 0) continue;
                var pk = p[k] / totalP;
                var qk = q[k] / totalQ;
                kl += qk > 0 ? pk * Math.Log(pk / qk) : 1e9;
            }
            return kl;
        }
    }
}
