using System.Runtime.Intrinsics;

namespace Pare.Core.Kernels.Elementwise;

/// <summary>Backward operators of the activations, as binary operators (saved tensor, dOut) → dIn so that the
/// backward passes run through the same vector driver as the forwards. The saved tensor is the input x, except
/// for sigmoid and tanh, whose derivatives are cheaper from the output y. Relu, leaky relu, sigmoid and tanh are
/// exact (vector = scalar); silu and gelu use exp/tanh and agree within a few ulps. In every operator, a is the
/// saved tensor (x or y) and b is dOut.</summary>
public static class ActivationGradOperators
{
    private const float SqrtHalf = 0.70710678118654752f;
    private const float InvSqrtTwoPi = 0.3989422804014327f;
    private const float SqrtTwoOverPi = 0.7978845608028654f;
    private const float GeluCubic = 0.044715f;

    /// <summary>d·[x &gt; 0] (0 at the kink, as PyTorch).</summary>
    public readonly struct Relu : IBinaryOperator
    {
        /// <inheritdoc/>
        public float Invoke(float a, float b) => a > 0f ? b : 0f;
        /// <inheritdoc/>
        public Vector512<float> Invoke(Vector512<float> a, Vector512<float> b) => Vector512.ConditionalSelect(Vector512.GreaterThan(a, Vector512<float>.Zero), b, Vector512<float>.Zero);
        /// <inheritdoc/>
        public Vector256<float> Invoke(Vector256<float> a, Vector256<float> b) => Vector256.ConditionalSelect(Vector256.GreaterThan(a, Vector256<float>.Zero), b, Vector256<float>.Zero);
        /// <inheritdoc/>
        public Vector128<float> Invoke(Vector128<float> a, Vector128<float> b) => Vector128.ConditionalSelect(Vector128.GreaterThan(a, Vector128<float>.Zero), b, Vector128<float>.Zero);
    }

    /// <summary>d for x &gt; 0, slope·d otherwise.</summary>
    /// <param name="slope">negative-side slope</param>
    public readonly struct LeakyRelu(float slope) : IBinaryOperator
    {
        /// <inheritdoc/>
        public float Invoke(float a, float b) => a > 0f ? b : b * slope;
        /// <inheritdoc/>
        public Vector512<float> Invoke(Vector512<float> a, Vector512<float> b) => Vector512.ConditionalSelect(Vector512.GreaterThan(a, Vector512<float>.Zero), b, b * slope);
        /// <inheritdoc/>
        public Vector256<float> Invoke(Vector256<float> a, Vector256<float> b) => Vector256.ConditionalSelect(Vector256.GreaterThan(a, Vector256<float>.Zero), b, b * slope);
        /// <inheritdoc/>
        public Vector128<float> Invoke(Vector128<float> a, Vector128<float> b) => Vector128.ConditionalSelect(Vector128.GreaterThan(a, Vector128<float>.Zero), b, b * slope);
    }

    /// <summary>d·y·(1 − y), from the output y = sigmoid(x).</summary>
    public readonly struct Sigmoid : IBinaryOperator
    {
        /// <inheritdoc/>
        public float Invoke(float a, float b) => b * a * (1f - a);
        /// <inheritdoc/>
        public Vector512<float> Invoke(Vector512<float> a, Vector512<float> b) => b * a * (Vector512<float>.One - a);
        /// <inheritdoc/>
        public Vector256<float> Invoke(Vector256<float> a, Vector256<float> b) => b * a * (Vector256<float>.One - a);
        /// <inheritdoc/>
        public Vector128<float> Invoke(Vector128<float> a, Vector128<float> b) => b * a * (Vector128<float>.One - a);
    }

    /// <summary>d·(1 − y²), from the output y = tanh(x).</summary>
    public readonly struct Tanh : IBinaryOperator
    {
        /// <inheritdoc/>
        public float Invoke(float a, float b) => b * (1f - a * a);
        /// <inheritdoc/>
        public Vector512<float> Invoke(Vector512<float> a, Vector512<float> b) => b * (Vector512<float>.One - a * a);
        /// <inheritdoc/>
        public Vector256<float> Invoke(Vector256<float> a, Vector256<float> b) => b * (Vector256<float>.One - a * a);
        /// <inheritdoc/>
        public Vector128<float> Invoke(Vector128<float> a, Vector128<float> b) => b * (Vector128<float>.One - a * a);
    }

    /// <summary>d·s·(1 + x·(1 − s)), s = sigmoid(x).</summary>
    public readonly struct Silu : IBinaryOperator
    {
        /// <inheritdoc/>
        public float Invoke(float a, float b)
        {
            float s = 1f / (1f + MathF.Exp(-a));
            return b * s * (1f + a * (1f - s));
        }
        /// <inheritdoc/>
        public Vector512<float> Invoke(Vector512<float> a, Vector512<float> b)
        {
            var s = Vector512<float>.One / (Vector512<float>.One + Vector512.Exp(-a));
            return b * s * (Vector512<float>.One + a * (Vector512<float>.One - s));
        }
        /// <inheritdoc/>
        public Vector256<float> Invoke(Vector256<float> a, Vector256<float> b)
        {
            var s = Vector256<float>.One / (Vector256<float>.One + Vector256.Exp(-a));
            return b * s * (Vector256<float>.One + a * (Vector256<float>.One - s));
        }
        /// <inheritdoc/>
        public Vector128<float> Invoke(Vector128<float> a, Vector128<float> b)
        {
            var s = Vector128<float>.One / (Vector128<float>.One + Vector128.Exp(-a));
            return b * s * (Vector128<float>.One + a * (Vector128<float>.One - s));
        }
    }

    /// <summary>d·(Φ(x) + x·φ(x)): the derivative of x·Φ(x), with Φ(x) = ½(1 + erf(x/√2)) and
    /// φ(x) = e^(−x²/2)/√(2π).</summary>
    public readonly struct GeluErf : IBinaryOperator
    {
        /// <inheritdoc/>
        public float Invoke(float a, float b)
        {
            float cdf = 0.5f * (1f + ErfApproximation.Scalar(a * SqrtHalf));
            float pdf = InvSqrtTwoPi * MathF.Exp(-0.5f * a * a);
            return b * (cdf + a * pdf);
        }
        /// <inheritdoc/>
        public Vector512<float> Invoke(Vector512<float> a, Vector512<float> b)
        {
            var cdf = Vector512.Create(0.5f) * (Vector512<float>.One + ErfApproximation.Vector(a * SqrtHalf));
            var pdf = InvSqrtTwoPi * Vector512.Exp(Vector512.Create(-0.5f) * a * a);
            return b * (cdf + a * pdf);
        }
        /// <inheritdoc/>
        public Vector256<float> Invoke(Vector256<float> a, Vector256<float> b)
        {
            var cdf = Vector256.Create(0.5f) * (Vector256<float>.One + ErfApproximation.Vector(a * SqrtHalf));
            var pdf = InvSqrtTwoPi * Vector256.Exp(Vector256.Create(-0.5f) * a * a);
            return b * (cdf + a * pdf);
        }
        /// <inheritdoc/>
        public Vector128<float> Invoke(Vector128<float> a, Vector128<float> b)
        {
            var cdf = Vector128.Create(0.5f) * (Vector128<float>.One + ErfApproximation.Vector(a * SqrtHalf));
            var pdf = InvSqrtTwoPi * Vector128.Exp(Vector128.Create(-0.5f) * a * a);
            return b * (cdf + a * pdf);
        }
    }

    /// <summary>The derivative of the tanh-form GELU, ½(1 + t) + ½x(1 − t²)·u′ with u = √(2/π)(x + 0.044715x³),
    /// t = tanh u, u′ = √(2/π)(1 + 3·0.044715x²), rewritten with s = ½(1 + t) = sigmoid(2u) and 1 − t² = 4s(1 − s)
    /// as s·(1 + 2x(1 − s)·u′): for negative x, 1 + t cancels catastrophically while s stays accurate.</summary>
    public readonly struct GeluTanh : IBinaryOperator
    {
        /// <inheritdoc/>
        public float Invoke(float a, float b)
        {
            float s = 1f / (1f + MathF.Exp(-2f * SqrtTwoOverPi * (a + GeluCubic * a * a * a)));
            float du = SqrtTwoOverPi * (1f + 3f * GeluCubic * a * a);
            return b * s * (1f + 2f * a * (1f - s) * du);
        }
        /// <inheritdoc/>
        public Vector512<float> Invoke(Vector512<float> a, Vector512<float> b)
        {
            var s = Vector512<float>.One / (Vector512<float>.One + Vector512.Exp(-2f * SqrtTwoOverPi * (a + GeluCubic * a * a * a)));
            var du = SqrtTwoOverPi * (Vector512<float>.One + 3f * GeluCubic * a * a);
            return b * s * (Vector512<float>.One + 2f * a * (Vector512<float>.One - s) * du);
        }
        /// <inheritdoc/>
        public Vector256<float> Invoke(Vector256<float> a, Vector256<float> b)
        {
            var s = Vector256<float>.One / (Vector256<float>.One + Vector256.Exp(-2f * SqrtTwoOverPi * (a + GeluCubic * a * a * a)));
            var du = SqrtTwoOverPi * (Vector256<float>.One + 3f * GeluCubic * a * a);
            return b * s * (Vector256<float>.One + 2f * a * (Vector256<float>.One - s) * du);
        }
        /// <inheritdoc/>
        public Vector128<float> Invoke(Vector128<float> a, Vector128<float> b)
        {
            var s = Vector128<float>.One / (Vector128<float>.One + Vector128.Exp(-2f * SqrtTwoOverPi * (a + GeluCubic * a * a * a)));
            var du = SqrtTwoOverPi * (Vector128<float>.One + 3f * GeluCubic * a * a);
            return b * s * (Vector128<float>.One + 2f * a * (Vector128<float>.One - s) * du);
        }
    }
}
