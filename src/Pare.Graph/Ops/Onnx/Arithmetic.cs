using Pare.Core;
using CoreOps = Pare.Core.Ops;
using IntOp = Pare.Graph.Ops.Onnx.IntegerOperators;

namespace Pare.Graph.Ops.Onnx;

/// <summary>ONNX binary arithmetic with NumPy broadcasting: float32 through the Core ops (differentiable), integer
/// types through the integer path of <see cref="Broadcasting"/>.</summary>
internal static class Arithmetic
{
    [OnnxOp("Add")]
    public static Tensor?[] Add(OpContext c) => [Binary<IntOp.Add>(c, c.Input(0), c.Input(1), CoreOps.Elementwise.Add)];

    [OnnxOp("Sub")]
    public static Tensor?[] Sub(OpContext c) => [Binary<IntOp.Sub>(c, c.Input(0), c.Input(1), CoreOps.Elementwise.Sub)];

    [OnnxOp("Mul")]
    public static Tensor?[] Mul(OpContext c) => [Binary<IntOp.Mul>(c, c.Input(0), c.Input(1), CoreOps.Elementwise.Mul)];

    /// <summary>Integer division truncates toward zero.</summary>
    [OnnxOp("Div")]
    public static Tensor?[] Div(OpContext c) => [Binary<IntOp.Div>(c, c.Input(0), c.Input(1), CoreOps.Elementwise.Div)];

    /// <summary>Remainder: with fmod = 0 (integers only, per the spec; floats accepted as NumPy's mod) it takes the
    /// divisor's sign, with fmod = 1 the dividend's (C's fmod). Float32 goes through Core's remainder/fmod.</summary>
    [OnnxOp("Mod", SinceVersion = 10)]
    public static Tensor?[] Mod(OpContext c)
    {
        Tensor a = c.Input(0), b = c.Input(1);
        var fmod = c.Attributes.Int("fmod", 0) switch
        {
            0 => false,
            1 => true,
            var v => throw c.Fail($"attribute fmod must be 0 or 1, got {v}"),
        };
        if (Broadcasting.SameType(c, a, b) != DType.Float32)
            return [fmod ? Broadcasting.Integer<IntOp.Fmod>(c, a, b) : Broadcasting.Integer<IntOp.Mod>(c, a, b)];
        return [Float(c, () => fmod ? CoreOps.Elementwise.Fmod(a, b) : CoreOps.Elementwise.Remainder(a, b))];
    }

    /// <summary>x^y; the exponent may have another type than the base (the output has the base's type).</summary>
    [OnnxOp("Pow")]
    public static Tensor?[] Pow(OpContext c)
    {
        Tensor x = c.Input(0), y = c.Input(1);
        if (x.DType == DType.Bool || y.DType == DType.Bool) throw c.Fail("Pow takes numeric inputs, got bool");
        if (x.DType == DType.Float32)
        {
            // a scalar exponent 2 (|STFT|² in audio front ends) is one multiply, not a powf per element
            if (y.Count == 1 && y.Rank <= x.Rank && y.DType == DType.Float32 && !y.RequiresGrad && y.Contiguous().AsSpan<float>()[0] == 2f)
                return [Float(c, () => CoreOps.Elementwise.Pow(x, 2f))];
            return [Float(c, () => CoreOps.Elementwise.Pow(x, Cast.Convert(y, DType.Float32)))];
        }
        // integer base: exact integer powers for an integer exponent, else the double result truncated
        var shape = Broadcasting.ShapeOf(c, x, y);
        var xs = Broadcasting.Values<long>(Cast.Convert(x, DType.Int64), shape);
        var r = new long[xs.Length];
        try
        {
            if (y.DType == DType.Float32)
            {
                var ys = Broadcasting.Values<float>(y, shape);
                for (int i = 0; i < r.Length; i++) r[i] = (long)Math.Pow(xs[i], ys[i]);
            }
            else
            {
                var ys = Broadcasting.Values<long>(Cast.Convert(y, DType.Int64), shape);
                for (int i = 0; i < r.Length; i++) r[i] = IntPow(xs[i], ys[i]);
            }
        }
        catch (DivideByZeroException)
        {
            throw c.Fail("0 raised to a negative integer power");
        }
        // back to the base type, wrapping like the other integer ops
        return [Cast.Convert(Tensor.Wrap(r, shape), x.DType)];
    }

    // b^e by squaring (wrapping); a negative exponent gives the truncated 1/b^|e|.
    private static long IntPow(long b, long e)
    {
        if (e < 0) return b == 1 ? 1 : b == -1 ? (e % 2 == 0 ? 1 : -1) : b == 0 ? throw new DivideByZeroException() : 0;
        long r = 1;
        while (e > 0)
        {
            if ((e & 1) != 0) r = unchecked(r * b);
            b = unchecked(b * b);
            e >>= 1;
        }
        return r;
    }

    /// <summary>a ≪ b or a ≫ b on unsigned integers (uint8 is the one Pare holds).</summary>
    [OnnxOp("BitShift", SinceVersion = 11)]
    public static Tensor?[] BitShift(OpContext c)
    {
        Tensor a = c.Input(0), b = c.Input(1);
        if (Broadcasting.SameType(c, a, b) != DType.UInt8) throw c.Fail($"BitShift takes unsigned integers, got {a.DType.Name()}");
        return c.Attributes.String("direction", "") switch
        {
            "LEFT" => [Broadcasting.Integer<IntOp.ShiftLeft>(c, a, b)],
            "RIGHT" => [Broadcasting.Integer<IntOp.ShiftRight>(c, a, b)],
            var d => throw c.Fail($"attribute direction must be LEFT or RIGHT, got '{d}'"),
        };
    }

    /// <summary>Elementwise sum of all inputs (broadcasting).</summary>
    [OnnxOp("Sum")]
    public static Tensor?[] Sum(OpContext c) => [Fold<IntOp.Add>(c, CoreOps.Elementwise.Add)];

    /// <summary>Elementwise maximum of all inputs; NaN propagates.</summary>
    [OnnxOp("Max")]
    public static Tensor?[] Max(OpContext c) => [Fold<IntOp.Max>(c, CoreOps.Elementwise.Maximum)];

    /// <summary>Elementwise minimum of all inputs; NaN propagates.</summary>
    [OnnxOp("Min")]
    public static Tensor?[] Min(OpContext c) => [Fold<IntOp.Min>(c, CoreOps.Elementwise.Minimum)];

    /// <summary>Elementwise mean of all inputs (float only).</summary>
    [OnnxOp("Mean")]
    public static Tensor?[] Mean(OpContext c)
    {
        var sum = Fold<IntOp.Add>(c, CoreOps.Elementwise.Add);
        if (sum.DType != DType.Float32) throw c.Fail($"Mean takes float inputs, got {sum.DType.Name()}");
        return [c.InputCount == 1 ? sum : Float(c, () => CoreOps.Elementwise.Div(sum, c.InputCount))];
    }

    /// <summary>The float32 Core op or the integer path, after checking both inputs have one type.</summary>
    internal static Tensor Binary<TInt>(OpContext c, Tensor a, Tensor b, Func<Tensor, Tensor, Tensor> floatOp) where TInt : IIntegerBinary =>
        Broadcasting.SameType(c, a, b) == DType.Float32 ? Float(c, () => floatOp(a, b)) : Broadcasting.Integer<TInt>(c, a, b);

    /// <summary>Runs a Core op, turning its argument errors (shapes that do not broadcast) into errors naming the node.</summary>
    internal static Tensor Float(OpContext c, Func<Tensor> op)
    {
        try
        {
            return op();
        }
        catch (ArgumentException e)
        {
            throw c.Fail(e.Message);
        }
    }

    private static Tensor Fold<TInt>(OpContext c, Func<Tensor, Tensor, Tensor> floatOp) where TInt : IIntegerBinary
    {
        if (c.InputCount == 0) throw c.Fail("needs at least one input");
        var acc = c.Input(0);
        for (int i = 1; i < c.InputCount; i++) acc = Binary<TInt>(c, acc, c.Input(i), floatOp);
        return acc;
    }
}
