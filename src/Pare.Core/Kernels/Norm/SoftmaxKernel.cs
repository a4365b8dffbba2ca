using System.Buffers;
using System.Numerics.Tensors;
using Pare.Core.Kernels.Reduce;

namespace Pare.Core.Kernels.Norm;

/// <summary>Softmax and log-softmax along the middle axis of a contiguous (O, R, I) block, stable by subtracting
/// the maximum first. I = 1 (the innermost axis) works row by row; I &gt; 1 works on whole rows of the inner
/// block so that every step is still a contiguous vector operation.</summary>
public static class SoftmaxKernel
{
    /// <summary>y = softmax(x) (or log-softmax when <paramref name="log"/>) over r.</summary>
    /// <param name="x">(O, R, I), contiguous</param>
    /// <param name="outer">O</param>
    /// <param name="r">R: size of the reduced axis</param>
    /// <param name="inner">I</param>
    /// <param name="log">log-softmax instead of softmax</param>
    /// <param name="y">(O, R, I)</param>
    public static unsafe void Forward(ReadOnlySpan<float> x, int outer, int r, int inner, bool log, Span<float> y)
    {
        Check(x.Length, y.Length, outer, r, inner);
        if (x.Length == 0) return;
        fixed (float* px = x, py = y)
        {
            nint xs = (nint)px, ys = (nint)py;
            int n = x.Length, block = r * inner;
            void Slab(int o)
            {
                var src = new ReadOnlySpan<float>((float*)xs + (long)o * block, block);
                var dst = new Span<float>((float*)ys + (long)o * block, block);
                if (inner == 1) Row(src, log, dst);
                else Strided(src, r, inner, log, dst);
            }
            RowChunks.For(outer, block, (o0, o1) =>
            {
                for (int o = o0; o < o1; o++) Slab(o);
            });
        }
    }

    /// <summary>Backward of <see cref="Forward"/> from its output y: softmax dx = y·(dy − Σ_r dy·y); log-softmax
    /// dx = dy − exp(y)·Σ_r dy.</summary>
    /// <param name="y">(O, R, I) forward output</param>
    /// <param name="dy">(O, R, I)</param>
    /// <param name="outer">O</param>
    /// <param name="r">R: size of the reduced axis</param>
    /// <param name="inner">I</param>
    /// <param name="log">log-softmax instead of softmax</param>
    /// <param name="dx">(O, R, I)</param>
    public static unsafe void Backward(ReadOnlySpan<float> y, ReadOnlySpan<float> dy, int outer, int r, int inner, bool log, Span<float> dx)
    {
        Check(y.Length, dx.Length, outer, r, inner);
        Check(dy.Length, dx.Length, outer, r, inner);
        if (y.Length == 0) return;
        fixed (float* py = y, pdy = dy, pdx = dx)
        {
            nint ys = (nint)py, dys = (nint)pdy, dxs = (nint)pdx;
            int block = r * inner;
            void Slab(int o)
            {
                long at = (long)o * block;
                var yo = new ReadOnlySpan<float>((float*)ys + at, block);
                var go = new ReadOnlySpan<float>((float*)dys + at, block);
                var dxo = new Span<float>((float*)dxs + at, block);
                float[] sums = ArrayPool<float>.Shared.Rent(inner);
                var s = sums.AsSpan(0, inner);
                s.Clear();
                var tmp = ArrayPool<float>.Shared.Rent(inner);
                for (int k = 0; k < r; k++)
                {
                    var gk = go.Slice(k * inner, inner);
                    if (log) TensorPrimitives.Add(s, gk, s);
                    else TensorPrimitives.MultiplyAdd(gk, yo.Slice(k * inner, inner), s, s);
                }
                for (int k = 0; k < r; k++)
                {
                    var yk = yo.Slice(k * inner, inner);
                    var gk = go.Slice(k * inner, inner);
                    var dk = dxo.Slice(k * inner, inner);
                    if (log)
                    {
                        var e = tmp.AsSpan(0, inner);
                        TensorPrimitives.Exp(yk, e);
                        TensorPrimitives.Multiply(e, s, e);
                        TensorPrimitives.Subtract(gk, e, dk);
                    }
                    else
                    {
                        TensorPrimitives.Subtract(gk, s, dk);
                        TensorPrimitives.Multiply(dk, yk, dk);
                    }
                }
                ArrayPool<float>.Shared.Return(tmp);
                ArrayPool<float>.Shared.Return(sums);
            }
            RowChunks.For(outer, block, (o0, o1) =>
            {
                for (int o = o0; o < o1; o++) Slab(o);
            });
        }
    }

    /// <summary>Scalar twin of <see cref="Forward"/> in double.</summary>
    /// <param name="x">(O, R, I), contiguous</param>
    /// <param name="outer">O</param>
    /// <param name="r">R: size of the reduced axis</param>
    /// <param name="inner">I</param>
    /// <param name="log">log-softmax instead of softmax</param>
    /// <param name="y">(O, R, I)</param>
    public static void ForwardReference(ReadOnlySpan<float> x, int outer, int r, int inner, bool log, Span<float> y)
    {
        Check(x.Length, y.Length, outer, r, inner);
        for (int o = 0; o < outer; o++)
        {
            for (int i = 0; i < inner; i++)
            {
                int at = o * r * inner + i;
                double m = double.NegativeInfinity;
                bool nan = false;
                for (int k = 0; k < r; k++)
                {
                    float v = x[at + k * inner];
                    nan |= float.IsNaN(v);
                    m = Math.Max(m, v);
                }
                if (nan) m = double.NaN;
                double s = 0;
                for (int k = 0; k < r; k++) s += Math.Exp(x[at + k * inner] - m);
                for (int k = 0; k < r; k++)
                {
                    double z = x[at + k * inner] - m;
                    y[at + k * inner] = (float)(log ? z - Math.Log(s) : Math.Exp(z) / s);
                }
            }
        }
    }

    /// <summary>Scalar twin of <see cref="Backward"/> in double.</summary>
    /// <param name="y">(O, R, I) forward output</param>
    /// <param name="dy">(O, R, I)</param>
    /// <param name="outer">O</param>
    /// <param name="r">R: size of the reduced axis</param>
    /// <param name="inner">I</param>
    /// <param name="log">log-softmax instead of softmax</param>
    /// <param name="dx">(O, R, I)</param>
    public static void BackwardReference(ReadOnlySpan<float> y, ReadOnlySpan<float> dy, int outer, int r, int inner, bool log, Span<float> dx)
    {
        Check(y.Length, dx.Length, outer, r, inner);
        for (int o = 0; o < outer; o++)
        {
            for (int i = 0; i < inner; i++)
            {
                int at = o * r * inner + i;
                double s = 0;
                for (int k = 0; k < r; k++) s += log ? dy[at + k * inner] : (double)dy[at + k * inner] * y[at + k * inner];
                for (int k = 0; k < r; k++)
                {
                    int j = at + k * inner;
                    dx[j] = (float)(log ? dy[j] - Math.Exp(y[j]) * s : y[j] * (dy[j] - s));
                }
            }
        }
    }

    private static void Check(int xLength, int yLength, int outer, int r, int inner)
    {
        if (outer < 0 || r < 0 || inner < 0 || xLength != (long)outer * r * inner || yLength != xLength)
            throw new ArgumentException($"softmax: spans of {xLength} and {yLength} elements do not fit (O, R, I) = ({outer}, {r}, {inner})");
    }

    // One contiguous row: y = exp(x − max) / Σ, or x − max − log Σ. A NaN anywhere makes max NaN and so every
    // output NaN, as in PyTorch.
    private static void Row(ReadOnlySpan<float> x, bool log, Span<float> y)
    {
        if (x.Length == 0) return;
        float m = TensorPrimitives.Max(x);
        TensorPrimitives.Subtract(x, m, y);
        if (log)
        {
            // exp into y only to sum it, then y = (x − max) − log Σ: subtracting max first keeps the small
            // result exact when |x| is large (x − (max + log Σ) would round log Σ at the scale of x)
            TensorPrimitives.Exp(y, y);
            float logSum = MathF.Log(TensorPrimitives.Sum(y));
            TensorPrimitives.Subtract(x, m, y);
            TensorPrimitives.Subtract(y, logSum, y);
        }
        else
        {
            TensorPrimitives.Exp(y, y);
            TensorPrimitives.Divide(y, TensorPrimitives.Sum(y), y);
        }
    }

    // (R, I) slab, reduced over r: column maxima and sums live in two pooled rows of length I.
    private static void Strided(ReadOnlySpan<float> x, int r, int inner, bool log, Span<float> y)
    {
        if (r == 0) return;
        float[] mRent = ArrayPool<float>.Shared.Rent(inner), sRent = ArrayPool<float>.Shared.Rent(inner);
        var m = mRent.AsSpan(0, inner);
        var s = sRent.AsSpan(0, inner);
        x[..inner].CopyTo(m);
        for (int k = 1; k < r; k++) TensorPrimitives.Max(m, x.Slice(k * inner, inner), m);
        s.Clear();
        for (int k = 0; k < r; k++)
        {
            var yk = y.Slice(k * inner, inner);
            TensorPrimitives.Subtract(x.Slice(k * inner, inner), m, yk);
            TensorPrimitives.Exp(yk, yk);
            TensorPrimitives.Add(s, yk, s);
        }
        if (log)
        {
            TensorPrimitives.Log(s, s);
            for (int k = 0; k < r; k++)
            {
                var yk = y.Slice(k * inner, inner);
                TensorPrimitives.Subtract(x.Slice(k * inner, inner), m, yk);
                TensorPrimitives.Subtract(yk, s, yk);
            }
        }
        else
        {
            for (int k = 0; k < r; k++) TensorPrimitives.Divide(y.Slice(k * inner, inner), s, y.Slice(k * inner, inner));
        }
        ArrayPool<float>.Shared.Return(mRent);
        ArrayPool<float>.Shared.Return(sRent);
    }
}
