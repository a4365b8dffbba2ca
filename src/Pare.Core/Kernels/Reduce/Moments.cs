using System.Buffers;
using System.Numerics.Tensors;
using Pare.Core.Threading;

namespace Pare.Core.Kernels.Reduce;

/// <summary>Mean and variance of a contiguous (O, R, I) block over its middle axis by two passes (the mean
/// first, then Σ(x − mean)²), which stays accurate even when |mean| ≫ std. Contiguous rows (I = 1) run
/// vectorized in float with the compensation term of Chan, Golub &amp; LeVeque; the outer-axis case (I &gt; 1)
/// accumulates in double.</summary>
public static class Moments
{
    /// <summary>var[o, i] = Σ_r (x[o, r, i] − mean)² / max(0, R − correction); mean[o, i] is written too.
    /// R = 0 gives NaN for both, like PyTorch.</summary>
    /// <param name="x">(O, R, I), contiguous</param>
    /// <param name="outer">O</param>
    /// <param name="r">R: size of the reduced axis</param>
    /// <param name="inner">I</param>
    /// <param name="correction">0 for the population variance, 1 for the unbiased (Bessel) one</param>
    /// <param name="mean">(O, I)</param>
    /// <param name="variance">(O, I)</param>
    public static unsafe void Variance(ReadOnlySpan<float> x, int outer, int r, int inner, int correction, Span<float> mean, Span<float> variance)
    {
        Check(x, outer, r, inner, mean, variance);
        int work = outer * inner;
        if (work == 0) return;
        fixed (float* px = x, pm = mean, pv = variance)
        {
            nint xs = (nint)px, ms = (nint)pm, vs = (nint)pv;
            int n = x.Length;
            // one task per o: the inner block is walked row by row (k outer, i inner) so that reads are contiguous
            void Row(int o)
            {
                var src = new ReadOnlySpan<float>((float*)xs, n);
                var m = new Span<float>((float*)ms + (long)o * inner, inner);
                var v = new Span<float>((float*)vs + (long)o * inner, inner);
                Span<double> sum = inner <= 256 ? stackalloc double[inner] : new double[inner];
                sum.Clear();
                for (int k = 0; k < r; k++)
                {
                    var row = src.Slice((o * r + k) * inner, inner);
                    for (int i = 0; i < inner; i++) sum[i] += row[i];
                }
                for (int i = 0; i < inner; i++) sum[i] /= r;
                Span<double> sq = inner <= 256 ? stackalloc double[inner] : new double[inner];
                sq.Clear();
                for (int k = 0; k < r; k++)
                {
                    var row = src.Slice((o * r + k) * inner, inner);
                    for (int i = 0; i < inner; i++)
                    {
                        double d = row[i] - sum[i];
                        sq[i] += d * d;
                    }
                }
                double denom = Math.Max(0, r - correction);
                for (int i = 0; i < inner; i++)
                {
                    m[i] = (float)sum[i];
                    v[i] = (float)(sq[i] / denom);
                }
            }
            if (inner == 1)
            {
                RowChunks.For(outer, r, (o0, o1) =>
                {
                    var src = new ReadOnlySpan<float>((float*)xs, n);
                    float[] scratch = ArrayPool<float>.Shared.Rent(r);
                    for (int o = o0; o < o1; o++)
                        ((float*)vs)[o] = RowVariance(src.Slice(o * r, r), correction, scratch.AsSpan(0, r), out ((float*)ms)[o]);
                    ArrayPool<float>.Shared.Return(scratch);
                });
                return;
            }
            RowChunks.For(outer, r * inner, (o0, o1) =>
            {
                for (int o = o0; o < o1; o++) Row(o);
            });
        }
    }

    /// <summary>Scalar twin of <see cref="Variance"/> by Welford's online update in double, one output at a time.</summary>
    /// <param name="x">(O, R, I), contiguous</param>
    /// <param name="outer">O</param>
    /// <param name="r">R: size of the reduced axis</param>
    /// <param name="inner">I</param>
    /// <param name="correction">0 or 1</param>
    /// <param name="mean">(O, I)</param>
    /// <param name="variance">(O, I)</param>
    public static void VarianceReference(ReadOnlySpan<float> x, int outer, int r, int inner, int correction, Span<float> mean, Span<float> variance)
    {
        Check(x, outer, r, inner, mean, variance);
        for (int o = 0; o < outer; o++)
        {
            for (int i = 0; i < inner; i++)
            {
                double m = 0, m2 = 0;
                for (int k = 0; k < r; k++)
                {
                    double v = x[(o * r + k) * inner + i];
                    double delta = v - m;
                    m += delta / (k + 1);
                    m2 += delta * (v - m);
                }
                mean[o * inner + i] = r == 0 ? float.NaN : (float)m;
                variance[o * inner + i] = r == 0 ? float.NaN : (float)(m2 / Math.Max(0, r - correction));
            }
        }
    }

    // d = x − m̂ with the float mean m̂ (exact by Sterbenz when x and m̂ are close); Σd² − (Σd)²/R removes the
    // error of m̂, and Σd/R corrects the mean itself.
    private static float RowVariance(ReadOnlySpan<float> row, int correction, Span<float> d, out float mean)
    {
        int r = row.Length;
        if (r == 0)
        {
            mean = float.NaN;
            return float.NaN;
        }
        float m = TensorPrimitives.Sum(row) / r;
        TensorPrimitives.Subtract(row, m, d);
        float s1 = TensorPrimitives.Sum(d), s2 = TensorPrimitives.SumOfSquares(d);
        mean = m + s1 / r;
        return Math.Max(0f, s2 - s1 * s1 / r) / Math.Max(0, r - correction);
    }

    private static void Check(ReadOnlySpan<float> x, int outer, int r, int inner, Span<float> mean, Span<float> variance)
    {
        if (outer < 0 || r < 0 || inner < 0 || x.Length != (long)outer * r * inner
            || mean.Length != (long)outer * inner || variance.Length != mean.Length)
            throw new ArgumentException($"variance: spans of {x.Length}, {mean.Length} and {variance.Length} elements do not fit (O, R, I) = ({outer}, {r}, {inner})");
    }
}
