using System.Numerics.Tensors;
using Pare.Core.Kernels.Reduce;

namespace Pare.Core.Kernels.Norm;

/// <summary>The per-channel parts of the norm layers on a contiguous (A, C, S) block: y = x·scale[c] + shift[c]
/// (layer norm is S = 1 with C the normalized size), and the per-channel sums Σ_{a,s} p·q that give the weight
/// and bias gradients.</summary>
public static class ChannelAffine
{
    /// <summary>y[a, c, s] = x[a, c, s]·scale[c] + shift[c]; an empty scale means 1, an empty shift means 0.</summary>
    /// <param name="x">(A, C, S)</param>
    /// <param name="scale">(C,) or empty</param>
    /// <param name="shift">(C,) or empty</param>
    /// <param name="a">A: leading size</param>
    /// <param name="c">C: channels</param>
    /// <param name="s">S: trailing size per channel</param>
    /// <param name="y">(A, C, S)</param>
    public static unsafe void Apply(ReadOnlySpan<float> x, ReadOnlySpan<float> scale, ReadOnlySpan<float> shift, int a, int c, int s, Span<float> y)
    {
        Check(x.Length, y.Length, a, c, s, scale.Length, shift.Length);
        if (x.IsEmpty) return;
        fixed (float* px = x, py = y, pw = scale, pb = shift)
        {
            nint xs = (nint)px, ys = (nint)py, ws = (nint)pw, bs = (nint)pb;
            int n = x.Length, cw = scale.Length, cb = shift.Length;
            if (s > 1)
            {
                // channel planes (a, c) are independent: chunks of whole planes, so a batch of one (a BatchNormalization
                // at inference) still runs on every thread; the chunking depends on the shape only
                RowChunks.For(a * c, s, (r0, r1) =>
                {
                    var w = new ReadOnlySpan<float>((float*)ws, cw);
                    var b = new ReadOnlySpan<float>((float*)bs, cb);
                    for (int r = r0; r < r1; r++)
                    {
                        int j = r % c;
                        var xr = new ReadOnlySpan<float>((float*)xs + (long)r * s, s);
                        var yr = new Span<float>((float*)ys + (long)r * s, s);
                        if (w.IsEmpty) xr.CopyTo(yr);
                        else TensorPrimitives.Multiply(xr, w[j], yr);
                        if (!b.IsEmpty) TensorPrimitives.Add(yr, b[j], yr);
                    }
                });
                return;
            }
            // rows a are independent; the chunking depends on the shape only
            RowChunks.For(a, c * s, (i0, i1) =>
            {
                var xa = new ReadOnlySpan<float>((float*)xs, n);
                var ya = new Span<float>((float*)ys, n);
                var w = new ReadOnlySpan<float>((float*)ws, cw);
                var b = new ReadOnlySpan<float>((float*)bs, cb);
                for (int i = i0; i < i1; i++) ApplyRow(xa.Slice(i * c * s, c * s), w, b, c, s, ya.Slice(i * c * s, c * s));
            });
        }
    }

    // One (C, S) row: with S = 1 one vector op against the whole parameter vector, else one per channel segment.
    private static void ApplyRow(ReadOnlySpan<float> x, ReadOnlySpan<float> scale, ReadOnlySpan<float> shift, int c, int s, Span<float> y)
    {
        if (s == 1)
        {
            if (scale.IsEmpty) x.CopyTo(y);
            else TensorPrimitives.Multiply(x, scale, y);
            if (!shift.IsEmpty) TensorPrimitives.Add(y, shift, y);
            return;
        }
        for (int j = 0; j < c; j++)
        {
            var xs = x.Slice(j * s, s);
            var ys = y.Slice(j * s, s);
            if (scale.IsEmpty) xs.CopyTo(ys);
            else TensorPrimitives.Multiply(xs, scale[j], ys);
            if (!shift.IsEmpty) TensorPrimitives.Add(ys, shift[j], ys);
        }
    }

    /// <summary>Scalar twin of <see cref="Apply"/>.</summary>
    /// <param name="x">(A, C, S)</param>
    /// <param name="scale">(C,) or empty</param>
    /// <param name="shift">(C,) or empty</param>
    /// <param name="a">A: leading size</param>
    /// <param name="c">C: channels</param>
    /// <param name="s">S: trailing size per channel</param>
    /// <param name="y">(A, C, S)</param>
    public static void ApplyReference(ReadOnlySpan<float> x, ReadOnlySpan<float> scale, ReadOnlySpan<float> shift, int a, int c, int s, Span<float> y)
    {
        Check(x.Length, y.Length, a, c, s, scale.Length, shift.Length);
        for (int i = 0; i < x.Length; i++)
        {
            int j = i / s % c;
            y[i] = x[i] * (scale.IsEmpty ? 1f : scale[j]) + (shift.IsEmpty ? 0f : shift[j]);
        }
    }

    /// <summary>dst[c] = Σ_{a, s} p[a, c, s]·q[a, c, s] (q empty: Σ p), accumulated in double in a fixed order.
    /// Scalar: it runs once per backward over data the backward has just touched.</summary>
    /// <param name="p">(A, C, S)</param>
    /// <param name="q">(A, C, S) or empty</param>
    /// <param name="a">A: leading size</param>
    /// <param name="c">C: channels</param>
    /// <param name="s">S: trailing size per channel</param>
    /// <param name="dst">(C,)</param>
    public static void ChannelSum(ReadOnlySpan<float> p, ReadOnlySpan<float> q, int a, int c, int s, Span<float> dst)
    {
        Check(p.Length, q.IsEmpty ? p.Length : q.Length, a, c, s, dst.Length, 0);
        Span<double> acc = c <= 512 ? stackalloc double[c] : new double[c];
        acc.Clear();
        for (int i = 0; i < a; i++)
        {
            for (int j = 0; j < c; j++)
            {
                int at = (i * c + j) * s;
                double sum = 0;
                if (q.IsEmpty) for (int k = 0; k < s; k++) sum += p[at + k];
                else for (int k = 0; k < s; k++) sum += (double)p[at + k] * q[at + k];
                acc[j] += sum;
            }
        }
        for (int j = 0; j < c; j++) dst[j] = (float)acc[j];
    }

    private static void Check(int xLength, int yLength, int a, int c, int s, int scaleLength, int shiftLength)
    {
        if (a < 0 || c < 0 || s < 0 || xLength != (long)a * c * s || yLength != xLength
            || (scaleLength != 0 && scaleLength != c) || (shiftLength != 0 && shiftLength != c))
            throw new ArgumentException($"channel affine: spans of {xLength}, {yLength}, {scaleLength} and {shiftLength} elements do not fit (A, C, S) = ({a}, {c}, {s})");
    }
}
