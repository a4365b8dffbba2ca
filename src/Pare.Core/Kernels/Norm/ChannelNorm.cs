using System.Buffers;
using System.Numerics.Tensors;
using Pare.Core.Kernels.Reduce;

namespace Pare.Core.Kernels.Norm;

/// <summary>Batch-norm statistics and input gradient per channel of a contiguous (A, C, S) block, where channel c
/// is the A segments x[a, c, :] of S contiguous elements: no transpose to channels-first is needed.</summary>
public static class ChannelNorm
{
    /// <summary>mean[c] and the biased variance[c] over the A·S elements of channel c, by two passes: segment sums
    /// in float (vectorized), accumulated in double; then Σd² − (Σd)²/n with d = x − mean, which removes the
    /// rounding of the mean.</summary>
    /// <param name="x">(A, C, S)</param>
    /// <param name="a">A</param>
    /// <param name="c">C</param>
    /// <param name="s">S</param>
    /// <param name="mean">(C,)</param>
    /// <param name="variance">(C,)</param>
    public static unsafe void Moments(ReadOnlySpan<float> x, int a, int c, int s, Span<float> mean, Span<float> variance)
    {
        Check(x.Length, x.Length, a, c, s, mean.Length, variance.Length);
        if (c == 0) return;
        fixed (float* px = x, pm = mean, pv = variance)
        {
            nint xs = (nint)px, ms = (nint)pm, vs = (nint)pv;
            int len = x.Length;
            // channels are independent; each channel's sums run in a fixed order on one thread
            RowChunks.For(c, a * s, (j0, j1) =>
            {
                var src = new ReadOnlySpan<float>((float*)xs, len);
                for (int j = j0; j < j1; j++) ((float*)vs)[j] = ChannelVariance(src, a, c, s, j, out ((float*)ms)[j]);
            });
        }
    }

    private static float ChannelVariance(ReadOnlySpan<float> x, int a, int c, int s, int j, out float mean)
    {
        double n = (double)a * s;
        float[] rent = ArrayPool<float>.Shared.Rent(Math.Max(s, 1));
        var d = rent.AsSpan(0, s);
        double sum = 0;
        for (int i = 0; i < a; i++) sum += TensorPrimitives.Sum(x.Slice((i * c + j) * s, s));
        float m = (float)(sum / n);
        double s1 = 0, s2 = 0;
        for (int i = 0; i < a; i++)
        {
            TensorPrimitives.Subtract(x.Slice((i * c + j) * s, s), m, d);
            s1 += TensorPrimitives.Sum(d);
            s2 += TensorPrimitives.SumOfSquares(d);
        }
        ArrayPool<float>.Shared.Return(rent);
        mean = (float)(m + s1 / n);
        return (float)Math.Max(0, (s2 - s1 * s1 / n) / n);
    }

    /// <summary>Scalar twin of <see cref="Moments"/>: plain two passes in double.</summary>
    /// <param name="x">(A, C, S)</param>
    /// <param name="a">A</param>
    /// <param name="c">C</param>
    /// <param name="s">S</param>
    /// <param name="mean">(C,)</param>
    /// <param name="variance">(C,)</param>
    public static void MomentsReference(ReadOnlySpan<float> x, int a, int c, int s, Span<float> mean, Span<float> variance)
    {
        Check(x.Length, x.Length, a, c, s, mean.Length, variance.Length);
        double n = (double)a * s;
        for (int j = 0; j < c; j++)
        {
            double m = 0, v = 0;
            for (int i = 0; i < a; i++) for (int k = 0; k < s; k++) m += x[(i * c + j) * s + k];
            m /= n;
            for (int i = 0; i < a; i++) for (int k = 0; k < s; k++) v += Math.Pow(x[(i * c + j) * s + k] - m, 2);
            mean[j] = (float)m;
            variance[j] = (float)(v / n);
        }
    }

    /// <summary>dx = rstd[c]·(g − mean_c(g) − x̂·mean_c(g·x̂)), the means taken over channel c's A·S elements;
    /// g is dL/dx̂.</summary>
    /// <param name="xhat">(A, C, S)</param>
    /// <param name="rstd">(C,)</param>
    /// <param name="g">(A, C, S)</param>
    /// <param name="a">A</param>
    /// <param name="c">C</param>
    /// <param name="s">S</param>
    /// <param name="dx">(A, C, S)</param>
    public static void Backward(ReadOnlySpan<float> xhat, ReadOnlySpan<float> rstd, ReadOnlySpan<float> g, int a, int c, int s, Span<float> dx)
    {
        Check(xhat.Length, dx.Length, a, c, s, rstd.Length, rstd.Length);
        Check(g.Length, dx.Length, a, c, s, rstd.Length, rstd.Length);
        if (dx.IsEmpty) return;
        float n = (float)a * s;
        float[] sums = new float[c], dots = new float[c];
        ChannelAffine.ChannelSum(g, default, a, c, s, sums);
        ChannelAffine.ChannelSum(g, xhat, a, c, s, dots);
        for (int i = 0; i < a; i++)
        {
            for (int j = 0; j < c; j++)
            {
                int at = (i * c + j) * s;
                var dr = dx.Slice(at, s);
                TensorPrimitives.Subtract(g.Slice(at, s), sums[j] / n, dr);
                TensorPrimitives.MultiplyAdd(xhat.Slice(at, s), -dots[j] / n, dr, dr);
                TensorPrimitives.Multiply(dr, rstd[j], dr);
            }
        }
    }

    /// <summary>Scalar twin of <see cref="Backward"/> in double.</summary>
    /// <param name="xhat">(A, C, S)</param>
    /// <param name="rstd">(C,)</param>
    /// <param name="g">(A, C, S)</param>
    /// <param name="a">A</param>
    /// <param name="c">C</param>
    /// <param name="s">S</param>
    /// <param name="dx">(A, C, S)</param>
    public static void BackwardReference(ReadOnlySpan<float> xhat, ReadOnlySpan<float> rstd, ReadOnlySpan<float> g, int a, int c, int s, Span<float> dx)
    {
        Check(xhat.Length, dx.Length, a, c, s, rstd.Length, rstd.Length);
        double n = (double)a * s;
        for (int j = 0; j < c; j++)
        {
            double sum = 0, dot = 0;
            for (int i = 0; i < a; i++)
            {
                for (int k = 0; k < s; k++)
                {
                    int at = (i * c + j) * s + k;
                    sum += g[at];
                    dot += (double)g[at] * xhat[at];
                }
            }
            for (int i = 0; i < a; i++)
            {
                for (int k = 0; k < s; k++)
                {
                    int at = (i * c + j) * s + k;
                    dx[at] = (float)(rstd[j] * (g[at] - sum / n - xhat[at] * dot / n));
                }
            }
        }
    }

    private static void Check(int xLength, int yLength, int a, int c, int s, int statLength, int stat2Length)
    {
        if (a < 0 || c < 0 || s < 0 || xLength != (long)a * c * s || yLength != xLength || statLength != c || stat2Length != c)
            throw new ArgumentException($"channel norm: spans of {xLength}, {yLength}, {statLength} and {stat2Length} elements do not fit (A, C, S) = ({a}, {c}, {s})");
    }
}
