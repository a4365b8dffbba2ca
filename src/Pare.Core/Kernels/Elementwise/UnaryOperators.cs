using System.Runtime.Intrinsics;

namespace Pare.Core.Kernels.Elementwise;

/// <summary>Basic unary operators. Exp and Log use the runtime's vector Exp/Log (the same ones TensorPrimitives
/// is built on) and differ from MathF by a few ulps; every other operator here is exact, vector = scalar.</summary>
public static class UnaryOperators
{
    /// <summary>−x.</summary>
    public readonly struct Neg : IUnaryOperator
    {
        /// <inheritdoc/>
        public float Invoke(float x) => -x;
        /// <inheritdoc/>
        public Vector512<float> Invoke(Vector512<float> x) => -x;
        /// <inheritdoc/>
        public Vector256<float> Invoke(Vector256<float> x) => -x;
        /// <inheritdoc/>
        public Vector128<float> Invoke(Vector128<float> x) => -x;
    }

    /// <summary>|x| (clears the sign bit, so |−0| = +0 and |NaN| is NaN).</summary>
    public readonly struct Abs : IUnaryOperator
    {
        /// <inheritdoc/>
        public float Invoke(float x) => MathF.Abs(x);
        /// <inheritdoc/>
        public Vector512<float> Invoke(Vector512<float> x) => Vector512.Abs(x);
        /// <inheritdoc/>
        public Vector256<float> Invoke(Vector256<float> x) => Vector256.Abs(x);
        /// <inheritdoc/>
        public Vector128<float> Invoke(Vector128<float> x) => Vector128.Abs(x);
    }

    /// <summary>x² (pow(x, 2) routed to one exact multiply).</summary>
    public readonly struct Square : IUnaryOperator
    {
        /// <inheritdoc/>
        public float Invoke(float x) => x * x;
        /// <inheritdoc/>
        public Vector512<float> Invoke(Vector512<float> x) => x * x;
        /// <inheritdoc/>
        public Vector256<float> Invoke(Vector256<float> x) => x * x;
        /// <inheritdoc/>
        public Vector128<float> Invoke(Vector128<float> x) => x * x;
    }

    /// <summary>√x, correctly rounded in both paths; √(−1) = NaN, √(−0) = −0.</summary>
    public readonly struct Sqrt : IUnaryOperator
    {
        /// <inheritdoc/>
        public float Invoke(float x) => MathF.Sqrt(x);
        /// <inheritdoc/>
        public Vector512<float> Invoke(Vector512<float> x) => Vector512.Sqrt(x);
        /// <inheritdoc/>
        public Vector256<float> Invoke(Vector256<float> x) => Vector256.Sqrt(x);
        /// <inheritdoc/>
        public Vector128<float> Invoke(Vector128<float> x) => Vector128.Sqrt(x);
    }

    /// <summary>1/√x as a correctly rounded sqrt and divide (not the 12-bit rsqrt estimate instruction), so the
    /// result is deterministic across machines; rsqrt(0) = inf, rsqrt(−1) = NaN.</summary>
    public readonly struct Rsqrt : IUnaryOperator
    {
        /// <inheritdoc/>
        public float Invoke(float x) => 1f / MathF.Sqrt(x);
        /// <inheritdoc/>
        public Vector512<float> Invoke(Vector512<float> x) => Vector512<float>.One / Vector512.Sqrt(x);
        /// <inheritdoc/>
        public Vector256<float> Invoke(Vector256<float> x) => Vector256<float>.One / Vector256.Sqrt(x);
        /// <inheritdoc/>
        public Vector128<float> Invoke(Vector128<float> x) => Vector128<float>.One / Vector128.Sqrt(x);
    }

    /// <summary>eˣ.</summary>
    public readonly struct Exp : IUnaryOperator
    {
        /// <inheritdoc/>
        public float Invoke(float x) => MathF.Exp(x);
        /// <inheritdoc/>
        public Vector512<float> Invoke(Vector512<float> x) => Vector512.Exp(x);
        /// <inheritdoc/>
        public Vector256<float> Invoke(Vector256<float> x) => Vector256.Exp(x);
        /// <inheritdoc/>
        public Vector128<float> Invoke(Vector128<float> x) => Vector128.Exp(x);
    }

    /// <summary>ln x; ln 0 = −inf, ln(x &lt; 0) = NaN.</summary>
    public readonly struct Log : IUnaryOperator
    {
        /// <inheritdoc/>
        public float Invoke(float x) => MathF.Log(x);
        /// <inheritdoc/>
        public Vector512<float> Invoke(Vector512<float> x) => Vector512.Log(x);
        /// <inheritdoc/>
        public Vector256<float> Invoke(Vector256<float> x) => Vector256.Log(x);
        /// <inheritdoc/>
        public Vector128<float> Invoke(Vector128<float> x) => Vector128.Log(x);
    }

    /// <summary>max(x, 0) with relu(NaN) = NaN like PyTorch: only lanes that compare below zero are replaced,
    /// and a NaN compares false.</summary>
    public readonly struct Relu : IUnaryOperator
    {
        /// <inheritdoc/>
        public float Invoke(float x) => x < 0f ? 0f : x;
        /// <inheritdoc/>
        public Vector512<float> Invoke(Vector512<float> x) => Vector512.ConditionalSelect(Vector512.LessThan(x, Vector512<float>.Zero), Vector512<float>.Zero, x);
        /// <inheritdoc/>
        public Vector256<float> Invoke(Vector256<float> x) => Vector256.ConditionalSelect(Vector256.LessThan(x, Vector256<float>.Zero), Vector256<float>.Zero, x);
        /// <inheritdoc/>
        public Vector128<float> Invoke(Vector128<float> x) => Vector128.ConditionalSelect(Vector128.LessThan(x, Vector128<float>.Zero), Vector128<float>.Zero, x);
    }

    /// <summary>x for x ≥ 0, slope·x below; NaN passes through.</summary>
    /// <param name="slope">negative-side slope α</param>
    public readonly struct LeakyRelu(float slope) : IUnaryOperator
    {
        /// <inheritdoc/>
        public float Invoke(float x) => x < 0f ? x * slope : x;
        /// <inheritdoc/>
        public Vector512<float> Invoke(Vector512<float> x) => Vector512.ConditionalSelect(Vector512.LessThan(x, Vector512<float>.Zero), x * slope, x);
        /// <inheritdoc/>
        public Vector256<float> Invoke(Vector256<float> x) => Vector256.ConditionalSelect(Vector256.LessThan(x, Vector256<float>.Zero), x * slope, x);
        /// <inheritdoc/>
        public Vector128<float> Invoke(Vector128<float> x) => Vector128.ConditionalSelect(Vector128.LessThan(x, Vector128<float>.Zero), x * slope, x);
    }

    /// <summary>min(max(x, lo), hi) as torch.clamp: NaN stays NaN, and lo &gt; hi gives hi everywhere.</summary>
    /// <param name="lo">lower bound (−inf for none)</param>
    /// <param name="hi">upper bound (+inf for none)</param>
    public readonly struct Clamp(float lo, float hi) : IUnaryOperator
    {
        /// <inheritdoc/>
        public float Invoke(float x)
        {
            float t = x < lo ? lo : x;
            return t > hi ? hi : t;
        }
        /// <inheritdoc/>
        public Vector512<float> Invoke(Vector512<float> x)
        {
            var l = Vector512.Create(lo);
            var h = Vector512.Create(hi);
            var t = Vector512.ConditionalSelect(Vector512.LessThan(x, l), l, x);
            return Vector512.ConditionalSelect(Vector512.GreaterThan(t, h), h, t);
        }
        /// <inheritdoc/>
        public Vector256<float> Invoke(Vector256<float> x)
        {
            var l = Vector256.Create(lo);
            var h = Vector256.Create(hi);
            var t = Vector256.ConditionalSelect(Vector256.LessThan(x, l), l, x);
            return Vector256.ConditionalSelect(Vector256.GreaterThan(t, h), h, t);
        }
        /// <inheritdoc/>
        public Vector128<float> Invoke(Vector128<float> x)
        {
            var l = Vector128.Create(lo);
            var h = Vector128.Create(hi);
            var t = Vector128.ConditionalSelect(Vector128.LessThan(x, l), l, x);
            return Vector128.ConditionalSelect(Vector128.GreaterThan(t, h), h, t);
        }
    }
}
