namespace Pare.Core.Kernels.Elementwise;

/// <summary>The scalar driver for unary functions that have no vector form in the runtime (trigonometry,
/// rounding, the smooth activations): y[i] = f(x[i]) and, for backward passes, dx[i] = d[i]·f'(x[i]). These ops are
/// rare in the hot path of the models Pare compresses, so one plain loop serves all of them; an op that starts to
/// matter gets an <see cref="IUnaryOperator"/> and the vector driver.</summary>
public static class PointwiseKernel
{
    /// <summary>y[i] = f(x[i]).</summary>
    /// <param name="x">(n)</param>
    /// <param name="y">(n)</param>
    /// <param name="f">the function</param>
    public static void Forward(ReadOnlySpan<float> x, Span<float> y, Func<float, float> f)
    {
        if (y.Length != x.Length) throw new ArgumentException($"pointwise: {x.Length} inputs but {y.Length} outputs");
        for (int i = 0; i < x.Length; i++) y[i] = f(x[i]);
    }

    /// <summary>dx[i] = d[i]·f'(x[i]).</summary>
    /// <param name="x">(n) forward input</param>
    /// <param name="d">(n) gradient of the output</param>
    /// <param name="dx">(n) gradient of the input</param>
    /// <param name="derivative">f'</param>
    public static void Backward(ReadOnlySpan<float> x, ReadOnlySpan<float> d, Span<float> dx, Func<float, float> derivative)
    {
        if (d.Length != x.Length || dx.Length != x.Length) throw new ArgumentException($"pointwise backward: lengths {x.Length}, {d.Length}, {dx.Length} differ");
        for (int i = 0; i < x.Length; i++) dx[i] = d[i] * derivative(x[i]);
    }
}
