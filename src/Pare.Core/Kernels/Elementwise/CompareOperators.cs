using System.Runtime.Intrinsics;

namespace Pare.Core.Kernels.Elementwise;

/// <summary>IEEE comparisons: every one is false when a lane holds NaN, except <see cref="NotEqual"/>.</summary>
public static class CompareOperators
{
    /// <summary>a == b.</summary>
    public readonly struct Equal : ICompareOperator
    {
        /// <inheritdoc/>
        public bool Invoke(float a, float b) => a == b;
        /// <inheritdoc/>
        public Vector512<float> Invoke(Vector512<float> a, Vector512<float> b) => Vector512.Equals(a, b);
        /// <inheritdoc/>
        public Vector256<float> Invoke(Vector256<float> a, Vector256<float> b) => Vector256.Equals(a, b);
        /// <inheritdoc/>
        public Vector128<float> Invoke(Vector128<float> a, Vector128<float> b) => Vector128.Equals(a, b);
    }

    /// <summary>a != b (true for NaN).</summary>
    public readonly struct NotEqual : ICompareOperator
    {
        /// <inheritdoc/>
        public bool Invoke(float a, float b) => a != b;
        /// <inheritdoc/>
        public Vector512<float> Invoke(Vector512<float> a, Vector512<float> b) => ~Vector512.Equals(a, b);
        /// <inheritdoc/>
        public Vector256<float> Invoke(Vector256<float> a, Vector256<float> b) => ~Vector256.Equals(a, b);
        /// <inheritdoc/>
        public Vector128<float> Invoke(Vector128<float> a, Vector128<float> b) => ~Vector128.Equals(a, b);
    }

    /// <summary>a &lt; b.</summary>
    public readonly struct Less : ICompareOperator
    {
        /// <inheritdoc/>
        public bool Invoke(float a, float b) => a < b;
        /// <inheritdoc/>
        public Vector512<float> Invoke(Vector512<float> a, Vector512<float> b) => Vector512.LessThan(a, b);
        /// <inheritdoc/>
        public Vector256<float> Invoke(Vector256<float> a, Vector256<float> b) => Vector256.LessThan(a, b);
        /// <inheritdoc/>
        public Vector128<float> Invoke(Vector128<float> a, Vector128<float> b) => Vector128.LessThan(a, b);
    }

    /// <summary>a ≤ b.</summary>
    public readonly struct LessEqual : ICompareOperator
    {
        /// <inheritdoc/>
        public bool Invoke(float a, float b) => a <= b;
        /// <inheritdoc/>
        public Vector512<float> Invoke(Vector512<float> a, Vector512<float> b) => Vector512.LessThanOrEqual(a, b);
        /// <inheritdoc/>
        public Vector256<float> Invoke(Vector256<float> a, Vector256<float> b) => Vector256.LessThanOrEqual(a, b);
        /// <inheritdoc/>
        public Vector128<float> Invoke(Vector128<float> a, Vector128<float> b) => Vector128.LessThanOrEqual(a, b);
    }

    /// <summary>a &gt; b.</summary>
    public readonly struct Greater : ICompareOperator
    {
        /// <inheritdoc/>
        public bool Invoke(float a, float b) => a > b;
        /// <inheritdoc/>
        public Vector512<float> Invoke(Vector512<float> a, Vector512<float> b) => Vector512.GreaterThan(a, b);
        /// <inheritdoc/>
        public Vector256<float> Invoke(Vector256<float> a, Vector256<float> b) => Vector256.GreaterThan(a, b);
        /// <inheritdoc/>
        public Vector128<float> Invoke(Vector128<float> a, Vector128<float> b) => Vector128.GreaterThan(a, b);
    }

    /// <summary>a ≥ b.</summary>
    public readonly struct GreaterEqual : ICompareOperator
    {
        /// <inheritdoc/>
        public bool Invoke(float a, float b) => a >= b;
        /// <inheritdoc/>
        public Vector512<float> Invoke(Vector512<float> a, Vector512<float> b) => Vector512.GreaterThanOrEqual(a, b);
        /// <inheritdoc/>
        public Vector256<float> Invoke(Vector256<float> a, Vector256<float> b) => Vector256.GreaterThanOrEqual(a, b);
        /// <inheritdoc/>
        public Vector128<float> Invoke(Vector128<float> a, Vector128<float> b) => Vector128.GreaterThanOrEqual(a, b);
    }
}
