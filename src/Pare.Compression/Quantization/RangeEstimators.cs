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

        // Each side of zero gets its own threshold, from the histogram of that side's magnitudes. A single threshold
        // from |x| (as for symmetric int8) is wrong for the affine uint8 grid of activations: on logits (a dense
        // negative bulk, a few large positive winners) the negative bulk set it, widened the winners' side to it or
        // clipped it, and a swish output (−0.28 … 10.4) was given [−9.1, 9.1], half the grid spent on negatives that
        // never occur (regression test: QuantizerTests).
        public (float Lo, float Hi) Estimate(ReadOnlySpan<float> values, QuantScheme scheme)
        {
            var (lo, hi) = Extremes(values);
            if (lo == 0 && hi == 0) return (0, 0);
            // levels a side gets: half the grid when both sides occur or the grid is signed, all of it otherwise
            var levels = scheme.Signed || (lo < 0 && hi > 0) ? 1 << (scheme.Bits - 1) : (1 << scheme.Bits) - 1;
            var tHi = hi > 0 ? Threshold(values, 1, hi, levels) : 0;
            var tLo = lo < 0 ? Threshold(values, -1, -lo, levels) : 0;
            return (-tLo, tHi);
        }

        /// <summary>The KL-optimal clipping threshold of the values on one side of zero (<paramref name="sign"/> · v ≥ 0),
        /// whose largest magnitude is <paramref name="max"/>.</summary>
        private static float Threshold(ReadOnlySpan<float> values, int sign, float max, int levels)
        {
            var histogram = new double[Bins];
            var width = max / Bins;
            foreach (var v in values)
            {
                var m = sign * v;
                if (m >= 0) histogram[Math.Min((int)(m / width), Bins - 1)]++;
            }
            levels = Math.Min(levels, Bins);
            var bestBins = Bins;
            var bestKl = double.MaxValue;
            for (var i = levels; i <= Bins; i++)
            {
                var kl = Divergence(histogram, i, levels);
                if (kl < bestKl) (bestKl, bestBins) = (kl, i);
            }
            return Math.Min((bestBins + 0.5f) * width, max);
        }

        /// <summary>KL(P ‖ Q) over all bins: P is the histogram; Q is what clipping at bin n and quantizing keep of it —
        /// the first n bins merged into <paramref name="levels"/> levels and spread back over their non-empty bins, the
        /// tail beyond bin n moved onto bin n − 1 (clipped values land on the threshold), nothing beyond. Bins Q empties
        /// are priced at a floor probability, so clipping costs what it removes.
        /// TensorRT's form (P = the first n bins with the tail folded into the last, Q from the same n bins) never
        /// sees the clipped mass except through that last bin: when the slice below a threshold holds one occupied
        /// bin, P and Q are both a single spike and KL is 0. On sparse histograms (one calibration image of PP-OCRv4
        /// rec) that picked thresholds clipping 80–90 % of a range, and rec decoded to nothing.</summary>
        private static double Divergence(double[] histogram, int n, int levels)
        {
            double total = 0, tail = 0;
            for (var k = 0; k < histogram.Length; k++) { total += histogram[k]; if (k >= n) tail += histogram[k]; }
            if (total == 0) return double.MaxValue;
            var q = new double[histogram.Length];
            for (var j = 0; j < levels; j++)
            {
                int start = j * n / levels, end = (j + 1) * n / levels;
                double sum = 0;
                var nonEmpty = 0;
                for (var k = start; k < end; k++) { sum += histogram[k]; if (histogram[k] > 0) nonEmpty++; }
                for (var k = start; k < end; k++) q[k] = histogram[k] > 0 ? sum / nonEmpty : 0;
            }
            q[n - 1] += tail;
            const double Floor = 1e-9;
            double kl = 0;
            for (var k = 0; k < histogram.Length; k++)
            {
                if (histogram[k] == 0) continue;
                var pk = histogram[k] / total;
                var qk = Math.Max(q[k] / total, Floor);
                kl += pk * Math.Log(pk / qk);
            }
            return kl;
        }
    }
}
