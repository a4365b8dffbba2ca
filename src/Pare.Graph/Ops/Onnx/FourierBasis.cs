using Pare.Core;
using CoreOps = Pare.Core.Ops;

namespace Pare.Graph.Ops.Onnx;

/// <summary>Discrete Fourier transforms along the last axis as products with constant cos/sin matrices on Core's
/// MatMul: the transform is linear, so gradients flow to the signal for free, and the GEMM makes the short
/// transforms of STFT frames fast. The cost is O(N·K) per signal instead of an FFT's O(N log N), and an N×K basis,
/// so lengths whose basis would pass <see cref="MaxBasisElements"/> are refused as unsupported.</summary>
internal static class FourierBasis
{
    /// <summary>Largest basis built (4 M floats = 16 MB per matrix; N = 2048 both-sided).</summary>
    public const long MaxBasisElements = 1L << 22;

    /// <summary>X[k] = Σ_n x[n]·e^(−2πikn/N) for k &lt; K (K = N/2 + 1 when one-sided, else N).</summary>
    /// <param name="c">the node, named when the basis would be too large</param>
    /// <param name="re">(.., N) real part</param>
    /// <param name="im">(.., N) imaginary part, or null for a real signal</param>
    /// <param name="n">transform length N</param>
    /// <param name="onesided">keep only the bins k ≤ N/2</param>
    /// <returns>(.., K) real and imaginary parts</returns>
    public static (Tensor Re, Tensor Im) Forward(OpContext c, Tensor re, Tensor? im, int n, bool onesided)
    {
        int k = onesided ? n / 2 + 1 : n;
        var (cos, sin) = Basis(c, n, k, n, 1.0);
        // (re + i·im)(cos − i·sin) = (re·cos + im·sin) + i(im·cos − re·sin)
        var real = CoreOps.Linalg.MatMul(re, cos);
        var imag = CoreOps.Elementwise.Neg(CoreOps.Linalg.MatMul(re, sin));
        if (im is not null)
        {
            real = CoreOps.Elementwise.Add(real, CoreOps.Linalg.MatMul(im, sin));
            imag = CoreOps.Elementwise.Add(imag, CoreOps.Linalg.MatMul(im, cos));
        }
        return (real, imag);
    }

    /// <summary>The real signal of length N whose spectrum is Hermitian with the given first N/2 + 1 bins (numpy's
    /// irfft): bins strictly between DC and Nyquist stand for themselves and their mirror images, so they count
    /// twice; the imaginary parts of DC and Nyquist drop out (their sines are zero).</summary>
    /// <param name="c">the node</param>
    /// <param name="re">(.., N/2 + 1)</param>
    /// <param name="im">(.., N/2 + 1) or null</param>
    /// <param name="n">output length N</param>
    /// <returns>(.., N)</returns>
    public static Tensor InverseReal(OpContext c, Tensor re, Tensor? im, int n)
    {
        int bins = n / 2 + 1;
        var (cos, sin) = Basis(c, bins, n, n, 1.0 / n, k => k == 0 || 2 * k == n ? 1.0 : 2.0);
        var y = CoreOps.Linalg.MatMul(re, cos);
        return im is null ? y : CoreOps.Elementwise.Sub(y, CoreOps.Linalg.MatMul(im, sin));
    }

    /// <summary>x cut or zero-padded to <paramref name="length"/> along the last axis.</summary>
    public static Tensor Fit(Tensor x, int length)
    {
        int have = x.Shape[-1];
        if (have == length) return x;
        return have > length ? x.Slice(-1, 0, length) : CoreOps.Assembly.Pad(x, [0, length - have]);
    }

    /// <summary>cos and sin of 2π·r·s/N at [r, s] for r &lt; rows, s &lt; cols, each scaled by factor·weight(r); the angle
    /// is reduced mod N in integers first so large r·s keep their precision.</summary>
    private static (Tensor Cos, Tensor Sin) Basis(OpContext c, int rows, int cols, int period, double factor, Func<int, double>? weight = null)
    {
        if ((long)rows * cols > MaxBasisElements)
            throw c.Unsupported($"a {rows}×{cols} Fourier basis is beyond the {MaxBasisElements} elements Pare builds (no FFT yet)");
        var cos = new float[rows * cols];
        var sin = new float[rows * cols];
        for (int r = 0; r < rows; r++)
        {
            double scale = factor * (weight?.Invoke(r) ?? 1.0);
            for (int s = 0; s < cols; s++)
            {
                double angle = 2 * Math.PI * ((long)r * s % period) / period;
                cos[r * cols + s] = (float)(scale * Math.Cos(angle));
                sin[r * cols + s] = (float)(scale * Math.Sin(angle));
            }
        }
        return (Tensor.Wrap(cos, new Shape(rows, cols)), Tensor.Wrap(sin, new Shape(rows, cols)));
    }
}
