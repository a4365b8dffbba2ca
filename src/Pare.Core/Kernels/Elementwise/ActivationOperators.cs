using System.Runtime.Intrinsics;

namespace Pare.Core.Kernels.Elementwise;

/// <summary>Activation operators built on exp and erf. Their scalar twins use MathF.Exp / MathF.Tanh, the vector
/// paths the runtime's vector Exp, so the two agree within a few ulps, not bit for bit.</summary>
public static class ActivationOperators
{
    private const float SqrtHalf = 0.70710678118654752f;
    private const float SqrtTwoOverPi = 0.79788456080286536f;
    private const float GeluCubic = 0.044715f;

    /// <summary>1 / (1 + e^−x); saturates to exactly 0 and 1, NaN stays NaN.</summary>
    public readonly struct Sigmoid : IUnaryOperator
    {
        /// <inheritdoc/>
        public float Invoke(float x) => 1f / (1f + MathF.Exp(-x));
        /// <inheritdoc/>
        public Vector512<float> Invoke(Vector512<float> x) => Vector512<float>.One / (Vector512<float>.One + Vector512.Exp(-x));
        /// <inheritdoc/>
        public Vector256<float> Invoke(Vector256<float> x) => Vector256<float>.One / (Vector256<float>.One + Vector256.Exp(-x));
        /// <inheritdoc/>
        public Vector128<float> Invoke(Vector128<float> x) => Vector128<float>.One / (Vector128<float>.One + Vector128.Exp(-x));
    }

    /// <summary>tanh x (vector: see TanhApproximation; scalar twin MathF.Tanh).</summary>
    public readonly struct Tanh : IUnaryOperator
    {
        /// <inheritdoc/>
        public float Invoke(float x) => MathF.Tanh(x);
        /// <inheritdoc/>
        public Vector512<float> Invoke(Vector512<float> x) => TanhApproximation.Vector(x);
        /// <inheritdoc/>
        public Vector256<float> Invoke(Vector256<float> x) => TanhApproximation.Vector(x);
        /// <inheritdoc/>
        public Vector128<float> Invoke(Vector128<float> x) => TanhApproximation.Vector(x);
    }

    /// <summary>x·sigmoid(x) = x / (1 + e^−x).</summary>
    public readonly struct Silu : IUnaryOperator
    {
        /// <inheritdoc/>
        public float Invoke(float x) => x / (1f + MathF.Exp(-x));
        /// <inheritdoc/>
        public Vector512<float> Invoke(Vector512<float> x) => x / (Vector512<float>.One + Vector512.Exp(-x));
        /// <inheritdoc/>
        public Vector256<float> Invoke(Vector256<float> x) => x / (Vector256<float>.One + Vector256.Exp(-x));
        /// <inheritdoc/>
        public Vector128<float> Invoke(Vector128<float> x) => x / (Vector128<float>.One + Vector128.Exp(-x));
    }

    /// <summary>erf x (see ErfApproximation for the formula and its measured error).</summary>
    public readonly struct Erf : IUnaryOperator
    {
        /// <inheritdoc/>
        public float Invoke(float x) => ErfApproximation.Scalar(x);
        /// <inheritdoc/>
        public Vector512<float> Invoke(Vector512<float> x) => ErfApproximation.Vector(x);
        /// <inheritdoc/>
        public Vector256<float> Invoke(Vector256<float> x) => ErfApproximation.Vector(x);
        /// <inheritdoc/>
        public Vector128<float> Invoke(Vector128<float> x) => ErfApproximation.Vector(x);
    }

    /// <summary>GELU, exact form: x·Φ(x) = ½x·(1 + erf(x/√2)).</summary>
    public readonly struct GeluErf : IUnaryOperator
    {
        /// <inheritdoc/>
        public float Invoke(float x) => 0.5f * x * (1f + ErfApproximation.Scalar(x * SqrtHalf));
        /// <inheritdoc/>
        public Vector512<float> Invoke(Vector512<float> x) => Vector512.Create(0.5f) * x * (Vector512<float>.One + ErfApproximation.Vector(x * SqrtHalf));
        /// <inheritdoc/>
        public Vector256<float> Invoke(Vector256<float> x) => Vector256.Create(0.5f) * x * (Vector256<float>.One + ErfApproximation.Vector(x * SqrtHalf));
        /// <inheritdoc/>
        public Vector128<float> Invoke(Vector128<float> x) => Vector128.Create(0.5f) * x * (Vector128<float>.One + ErfApproximation.Vector(x * SqrtHalf));
    }

    /// <summary>GELU, tanh form: ½x·(1 + tanh(u)), u = √(2/π)·(x + 0.044715x³), computed as x / (1 + e^−2u)
    /// (the same value, since ½(1 + tanh u) = sigmoid(2u)), which needs one exp and no tanh.</summary>
    public readonly struct GeluTanh : IUnaryOperator
    {
        /// <inheritdoc/>
        public float Invoke(float x) => x / (1f + MathF.Exp(-2f * SqrtTwoOverPi * (x + GeluCubic * x * x * x)));
        /// <inheritdoc/>
        public Vector512<float> Invoke(Vector512<float> x) =>
            x / (Vector512<float>.One + Vector512.Exp(Vector512.Create(-2f * SqrtTwoOverPi) * (x + Vector512.Create(GeluCubic) * x * x * x)));
        /// <inheritdoc/>
        public Vector256<float> Invoke(Vector256<float> x) =>
            x / (Vector256<float>.One + Vector256.Exp(Vector256.Create(-2f * SqrtTwoOverPi) * (x + Vector256.Create(GeluCubic) * x * x * x)));
        /// <inheritdoc/>
        public Vector128<float> Invoke(Vector128<float> x) =>
            x / (Vector128<float>.One + Vector128.Exp(Vector128.Create(-2f * SqrtTwoOverPi) * (x + Vector128.Create(GeluCubic) * x * x * x)));
    }
}
