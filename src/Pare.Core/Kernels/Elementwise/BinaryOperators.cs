using System.Runtime.Intrinsics;

namespace Pare.Core.Kernels.Elementwise;

/// <summary>Arithmetic binary operators. All but <see cref="Pow"/> are single IEEE operations or selects, so the
/// vector and scalar paths are bit-identical.</summary>
public static class BinaryOperators
{
    /// <summary>a + b.</summary>
    public readonly struct Add : IBinaryOperator
    {
        /// <inheritdoc/>
        public float Invoke(float a, float b) => a + b;
        /// <inheritdoc/>
        public Vector512<float> Invoke(Vector512<float> a, Vector512<float> b) => a + b;
        /// <inheritdoc/>
        public Vector256<float> Invoke(Vector256<float> a, Vector256<float> b) => a + b;
        /// <inheritdoc/>
        public Vector128<float> Invoke(Vector128<float> a, Vector128<float> b) => a + b;
    }

    /// <summary>a − b.</summary>
    public readonly struct Sub : IBinaryOperator
    {
        /// <inheritdoc/>
        public float Invoke(float a, float b) => a - b;
        /// <inheritdoc/>
        public Vector512<float> Invoke(Vector512<float> a, Vector512<float> b) => a - b;
        /// <inheritdoc/>
        public Vector256<float> Invoke(Vector256<float> a, Vector256<float> b) => a - b;
        /// <inheritdoc/>
        public Vector128<float> Invoke(Vector128<float> a, Vector128<float> b) => a - b;
    }

    /// <summary>a · b.</summary>
    public readonly struct Mul : IBinaryOperator
    {
        /// <inheritdoc/>
        public float Invoke(float a, float b) => a * b;
        /// <inheritdoc/>
        public Vector512<float> Invoke(Vector512<float> a, Vector512<float> b) => a * b;
        /// <inheritdoc/>
        public Vector256<float> Invoke(Vector256<float> a, Vector256<float> b) => a * b;
        /// <inheritdoc/>
        public Vector128<float> Invoke(Vector128<float> a, Vector128<float> b) => a * b;
    }

    /// <summary>a / b (IEEE: x/0 = ±inf, 0/0 = NaN).</summary>
    public readonly struct Div : IBinaryOperator
    {
        /// <inheritdoc/>
        public float Invoke(float a, float b) => a / b;
        /// <inheritdoc/>
        public Vector512<float> Invoke(Vector512<float> a, Vector512<float> b) => a / b;
        /// <inheritdoc/>
        public Vector256<float> Invoke(Vector256<float> a, Vector256<float> b) => a / b;
        /// <inheritdoc/>
        public Vector128<float> Invoke(Vector128<float> a, Vector128<float> b) => a / b;
    }

    /// <summary>max(a, b) propagating NaN like torch.maximum: a NaN in a wins, then a NaN in b. The hardware max
    /// instructions return the second operand on NaN, so the NaN lanes are selected explicitly.</summary>
    public readonly struct Maximum : IBinaryOperator
    {
        /// <inheritdoc/>
        public float Invoke(float a, float b) => float.IsNaN(a) ? a : float.IsNaN(b) ? b : a > b ? a : b;
        /// <inheritdoc/>
        public Vector512<float> Invoke(Vector512<float> a, Vector512<float> b)
        {
            var r = Vector512.ConditionalSelect(Vector512.GreaterThan(a, b), a, b);
            r = Vector512.ConditionalSelect(Vector512.Equals(b, b), r, b);
            return Vector512.ConditionalSelect(Vector512.Equals(a, a), r, a);
        }
        /// <inheritdoc/>
        public Vector256<float> Invoke(Vector256<float> a, Vector256<float> b)
        {
            var r = Vector256.ConditionalSelect(Vector256.GreaterThan(a, b), a, b);
            r = Vector256.ConditionalSelect(Vector256.Equals(b, b), r, b);
            return Vector256.ConditionalSelect(Vector256.Equals(a, a), r, a);
        }
        /// <inheritdoc/>
        public Vector128<float> Invoke(Vector128<float> a, Vector128<float> b)
        {
            var r = Vector128.ConditionalSelect(Vector128.GreaterThan(a, b), a, b);
            r = Vector128.ConditionalSelect(Vector128.Equals(b, b), r, b);
            return Vector128.ConditionalSelect(Vector128.Equals(a, a), r, a);
        }
    }

    /// <summary>min(a, b) propagating NaN like torch.minimum (see <see cref="Maximum"/>).</summary>
    public readonly struct Minimum : IBinaryOperator
    {
        /// <inheritdoc/>
        public float Invoke(float a, float b) => float.IsNaN(a) ? a : float.IsNaN(b) ? b : a < b ? a : b;
        /// <inheritdoc/>
        public Vector512<float> Invoke(Vector512<float> a, Vector512<float> b)
        {
            var r = Vector512.ConditionalSelect(Vector512.LessThan(a, b), a, b);
            r = Vector512.ConditionalSelect(Vector512.Equals(b, b), r, b);
            return Vector512.ConditionalSelect(Vector512.Equals(a, a), r, a);
        }
        /// <inheritdoc/>
        public Vector256<float> Invoke(Vector256<float> a, Vector256<float> b)
        {
            var r = Vector256.ConditionalSelect(Vector256.LessThan(a, b), a, b);
            r = Vector256.ConditionalSelect(Vector256.Equals(b, b), r, b);
            return Vector256.ConditionalSelect(Vector256.Equals(a, a), r, a);
        }
        /// <inheritdoc/>
        public Vector128<float> Invoke(Vector128<float> a, Vector128<float> b)
        {
            var r = Vector128.ConditionalSelect(Vector128.LessThan(a, b), a, b);
            r = Vector128.ConditionalSelect(Vector128.Equals(b, b), r, b);
            return Vector128.ConditionalSelect(Vector128.Equals(a, a), r, a);
        }
    }

    /// <summary>a^b with MathF.Pow's special cases (pow(x, 0) = 1, pow(−8, 1/3) = NaN, ...). There is no vector
    /// pow whose special cases match, so each lane calls MathF.Pow: vector and scalar paths are bit-identical.
    /// The ops layer routes the common exponents (2, 1, 0.5, ...) of tensor^scalar to exact kernels instead.</summary>
    public readonly struct Pow : IBinaryOperator
    {
        /// <inheritdoc/>
        public float Invoke(float a, float b) => MathF.Pow(a, b);
        /// <inheritdoc/>
        public Vector512<float> Invoke(Vector512<float> a, Vector512<float> b) =>
            Vector512.Create(Invoke(a.GetLower(), b.GetLower()), Invoke(a.GetUpper(), b.GetUpper()));
        /// <inheritdoc/>
        public Vector256<float> Invoke(Vector256<float> a, Vector256<float> b) =>
            Vector256.Create(Invoke(a.GetLower(), b.GetLower()), Invoke(a.GetUpper(), b.GetUpper()));
        /// <inheritdoc/>
        public Vector128<float> Invoke(Vector128<float> a, Vector128<float> b) => Vector128.Create(
            MathF.Pow(a[0], b[0]), MathF.Pow(a[1], b[1]), MathF.Pow(a[2], b[2]), MathF.Pow(a[3], b[3]));
    }
}
