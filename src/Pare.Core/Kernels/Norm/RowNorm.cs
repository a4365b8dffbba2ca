using System.Numerics.Tensors;
using Pare.Core.Kernels.Reduce;

namespace Pare.Core.Kernels.Norm;

/// <summary>Standardizes each row of a contiguous (U, L) block: x̂ = (x − mean)·rstd with rstd = 1/√(var + eps)
/// and the biased variance. Layer norm (U = N, L = normalized size) and group norm (U = N·G) share it; batch norm
/// uses <see cref="ChannelNorm"/>; the affine part is <see cref="ChannelAffine"/>.</summary>
public static class RowNorm
{
    /// <summary>Writes x̂, the row means and the row rstd (and the biased row variances).</summary>
    /// <param name="x">(U, L)</param>
    /// <param name="rows">U: rows</param>
    /// <param name="len">L: row length</param>
    /// <param name="eps">added to the variance</param>
    /// <param name="xhat">(U, L)</param>
    /// <param name="mean">(U,)</param>
    /// <param name="variance">(U,) biased</param>
    /// <param name="rstd">(U,)</param>
    public static unsafe void Forward(ReadOnlySpan<float> x, int rows, int len, float eps, Span<float> xhat, Span<float> mean, Span<float> variance, Span<float> rstd)
    {
        Check(x.Length, xhat.Length, rows, len, mean.Length, rstd.Length);
        if (variance.Length != rows) throw new ArgumentException($"row norm: variance holds {variance.Length} values for {rows} rows");
        if (rows == 0) return;
        fixed (float* px = x, ph = xhat, pm = mean, pv = variance, pr = rstd)
        {
            nint xs = (nint)px, hs = (nint)ph, ms = (nint)pm, vs = (nint)pv, rs = (nint)pr;
            void Row(int u)
            {
                var xr = new ReadOnlySpan<float>((float*)xs + (long)u * len, len);
                var hr = new Span<float>((float*)hs + (long)u * len, len);
                // Two passes with a correction term: d = x − m̂ with a float mean m̂; Σd² / L − (Σd / L)² removes
                // the error of m̂ to first order (Chan, Golub & LeVeque), so a large common offset costs nothing.
                float m = len == 0 ? float.NaN : TensorPrimitives.Sum(xr) / len;
                TensorPrimitives.Subtract(xr, m, hr);
                float shift = len == 0 ? 0f : TensorPrimitives.Sum(hr) / len;
                float v = len == 0 ? float.NaN : Math.Max(0f, TensorPrimitives.SumOfSquares(hr) / len - shift * shift);
                float r = 1f / MathF.Sqrt(v + eps);
                TensorPrimitives.Subtract(hr, shift, hr);
                TensorPrimitives.Multiply(hr, r, hr);
                ((float*)ms)[u] = m + shift;
                ((float*)vs)[u] = v;
                ((float*)rs)[u] = r;
            }
            RowChunks.For(rows, len, (u0, u1) =>
            {
                for (int u = u0; u < u1; u++) Row(u);
            });
        }
    }

    /// <summary>dx = rstd·(g − mean(g) − x̂·mean(g·x̂)) per row, where g is dL/dx̂ (dy times the weight).</summary>
    /// <param name="xhat">(U, L)</param>
    /// <param name="rstd">(U,)</param>
    /// <param name="g">(U, L)</param>
    /// <param name="rows">U: rows</param>
    /// <param name="len">L: row length</param>
    /// <param name="dx">(U, L)</param>
    public static unsafe void Backward(ReadOnlySpan<float> xhat, ReadOnlySpan<float> rstd, ReadOnlySpan<float> g, int rows, int len, Span<float> dx)
    {
        Check(xhat.Length, dx.Length, rows, len, rstd.Length, rstd.Length);
        Check(g.Length, dx.Length, rows, len, rstd.Length, rstd.Length);
        if (rows == 0 || len == 0) return;
        fixed (float* ph = xhat, pr = rstd, pg = g, pd = dx)
        {
            nint hs = (nint)ph, rs = (nint)pr, gs = (nint)pg, ds = (nint)pd;
            void Row(int u)
            {
                long at = (long)u * len;
                var hr = new ReadOnlySpan<float>((float*)hs + at, len);
                var gr = new ReadOnlySpan<float>((float*)gs + at, len);
                var dr = new Span<float>((float*)ds + at, len);
                float a = TensorPrimitives.Sum(gr) / len, b = TensorPrimitives.Dot(gr, hr) / len;
                TensorPrimitives.Subtract(gr, a, dr);
                TensorPrimitives.MultiplyAdd(hr, -b, dr, dr);
                TensorPrimitives.Multiply(dr, ((float*)rs)[u], dr);
            }
            RowChunks.For(rows, len, (u0, u1) =>
            {
                for (int u = u0; u < u1; u++) Row(u);
            });
        }
    }

    /// <summary>Scalar twin of <see cref="Forward"/>: plain two-pass statistics in double.</summary>
    /// <param name="x">(U, L)</param>
    /// <param name="rows">U: rows</param>
    /// <param name="len">L: row length</param>
    /// <param name="eps">added to the variance</param>
    /// <param name="xhat">(U, L)</param>
    /// <param name="mean">(U,)</param>
    /// <param name="variance">(U,) biased</param>
    /// <param name="rstd">(U,)</param>
    public static void ForwardReference(ReadOnlySpan<float> x, int rows, int len, float eps, Span<float> xhat, Span<float> mean, Span<float> variance, Span<float> rstd)
    {
        Check(x.Length, xhat.Length, rows, len, mean.Length, rstd.Length);
        for (int u = 0; u < rows; u++)
        {
            double m = 0, v = 0;
            for (int j = 0; j < len; j++) m += x[u * len + j];
            m /= len;
            for (int j = 0; j < len; j++) v += (x[u * len + j] - m) * (x[u * len + j] - m);
            v /= len;
            double r = 1 / Math.Sqrt(v + eps);
            for (int j = 0; j < len; j++) xhat[u * len + j] = (float)((x[u * len + j] - m) * r);
            mean[u] = (float)m;
            variance[u] = (float)v;
            rstd[u] = (float)r;
        }
    }

    /// <summary>Scalar twin of <see cref="Backward"/> in double.</summary>
    /// <param name="xhat">(U, L)</param>
    /// <param name="rstd">(U,)</param>
    /// <param name="g">(U, L)</param>
    /// <param name="rows">U: rows</param>
    /// <param name="len">L: row length</param>
    /// <param name="dx">(U, L)</param>
    public static void BackwardReference(ReadOnlySpan<float> xhat, ReadOnlySpan<float> rstd, ReadOnlySpan<float> g, int rows, int len, Span<float> dx)
    {
        Check(xhat.Length, dx.Length, rows, len, rstd.Length, rstd.Length);
        for (int u = 0; u < rows; u++)
        {
            double a = 0, b = 0;
            for (int j = 0; j < len; j++)
            {
                a += g[u * len + j];
                b += (double)g[u * len + j] * xhat[u * len + j];
            }
            a /= len;
            b /= len;
            for (int j = 0; j < len; j++) dx[u * len + j] = (float)(rstd[u] * (g[u * len + j] - a - xhat[u * len + j] * b));
        }
    }

    private static void Check(int xLength, int yLength, int rows, int len, int meanLength, int rstdLength)
    {
        if (rows < 0 || len < 0 || xLength != (long)rows * len || yLength != xLength || meanLength != rows || rstdLength != rows)
            throw new ArgumentException($"row norm: spans of {xLength}, {yLength}, {meanLength} and {rstdLength} elements do not fit (U, L) = ({rows}, {len})");
    }
}
