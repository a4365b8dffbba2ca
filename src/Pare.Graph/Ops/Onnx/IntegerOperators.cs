using System.Numerics;

namespace Pare.Graph.Ops.Onnx;

/// <summary>The scalar integer functions behind the integer paths of the arithmetic, comparison and shift ops.
/// Arithmetic wraps on overflow (two's complement, as ONNX Runtime and NumPy do).</summary>
internal static class IntegerOperators
{
    public readonly struct Add : IIntegerBinary
    {
        public static T Apply<T>(T a, T b) where T : IBinaryInteger<T> => a + b;
    }

    public readonly struct Sub : IIntegerBinary
    {
        public static T Apply<T>(T a, T b) where T : IBinaryInteger<T> => a - b;
    }

    public readonly struct Mul : IIntegerBinary
    {
        public static T Apply<T>(T a, T b) where T : IBinaryInteger<T> => a * b;
    }

    /// <summary>Truncating division (ONNX integer Div); MIN / −1 wraps to MIN instead of trapping.</summary>
    public readonly struct Div : IIntegerBinary
    {
        public static T Apply<T>(T a, T b) where T : IBinaryInteger<T> =>
            b == T.Zero ? throw new DivideByZeroException() : IsMinusOne(b) ? T.Zero - a : a / b;
    }

    /// <summary>Remainder with the sign of the divisor (Python's %, ONNX Mod with fmod = 0).</summary>
    public readonly struct Mod : IIntegerBinary
    {
        public static T Apply<T>(T a, T b) where T : IBinaryInteger<T>
        {
            var r = Fmod.Apply(a, b);
            return r != T.Zero && T.IsNegative(r) != T.IsNegative(b) ? r + b : r;
        }
    }

    /// <summary>Remainder with the sign of the dividend (C's %, ONNX Mod with fmod = 1).</summary>
    public readonly struct Fmod : IIntegerBinary
    {
        public static T Apply<T>(T a, T b) where T : IBinaryInteger<T> =>
            b == T.Zero ? throw new DivideByZeroException() : IsMinusOne(b) ? T.Zero : a % b;
    }

    public readonly struct Max : IIntegerBinary
    {
        public static T Apply<T>(T a, T b) where T : IBinaryInteger<T> => a >= b ? a : b;
    }

    public readonly struct Min : IIntegerBinary
    {
        public static T Apply<T>(T a, T b) where T : IBinaryInteger<T> => a <= b ? a : b;
    }

    /// <summary>a · 2^b; shifting by the bit width or more gives 0 (C# would take the count modulo the width).</summary>
    public readonly struct ShiftLeft : IIntegerBinary
    {
        public static T Apply<T>(T a, T b) where T : IBinaryInteger<T> =>
            b >= T.CreateTruncating(a.GetByteCount() * 8) ? T.Zero : a << int.CreateTruncating(b);
    }

    /// <summary>a / 2^b for unsigned a; shifting by the bit width or more gives 0.</summary>
    public readonly struct ShiftRight : IIntegerBinary
    {
        public static T Apply<T>(T a, T b) where T : IBinaryInteger<T> =>
            b >= T.CreateTruncating(a.GetByteCount() * 8) ? T.Zero : a >>> int.CreateTruncating(b);
    }

    public readonly struct Equal : IIntegerCompare
    {
        public static bool Apply<T>(T a, T b) where T : IBinaryInteger<T> => a == b;
    }

    public readonly struct Less : IIntegerCompare
    {
        public static bool Apply<T>(T a, T b) where T : IBinaryInteger<T> => a < b;
    }

    public readonly struct LessOrEqual : IIntegerCompare
    {
        public static bool Apply<T>(T a, T b) where T : IBinaryInteger<T> => a <= b;
    }

    public readonly struct Greater : IIntegerCompare
    {
        public static bool Apply<T>(T a, T b) where T : IBinaryInteger<T> => a > b;
    }

    public readonly struct GreaterOrEqual : IIntegerCompare
    {
        public static bool Apply<T>(T a, T b) where T : IBinaryInteger<T> => a >= b;
    }

    private static bool IsMinusOne<T>(T b) where T : IBinaryInteger<T> => T.IsNegative(b) && b == T.Zero - T.One;
}
