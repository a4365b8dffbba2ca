using Pare.Core;
using CoreOps = Pare.Core.Ops;

namespace Pare.Graph.Ops.Onnx;

/// <summary>ONNX unary math: float32 through the Core ops (differentiable); Neg, Abs and Sign also take integers.</summary>
internal static class UnaryMath
{
    [OnnxOp("Neg")]
    public static Tensor?[] Neg(OpContext c) => [Signed(c, CoreOps.Elementwise.Neg, v => -v, v => (sbyte)-v, v => -v)];

    [OnnxOp("Abs")]
    public static Tensor?[] Abs(OpContext c) => [Signed(c, CoreOps.Elementwise.Abs, v => v < 0 ? -v : v, v => (sbyte)(v < 0 ? -v : v), v => v < 0 ? -v : v, unsigned: true)];

    [OnnxOp("Sign", SinceVersion = 9)]
    public static Tensor?[] Sign(OpContext c) => [Signed(c, CoreOps.Elementwise.Sign, v => Math.Sign(v), v => (sbyte)Math.Sign(v), v => Math.Sign(v), unsigned: true)];

    [OnnxOp("Reciprocal")]
    public static Tensor?[] Reciprocal(OpContext c) => [Float(c, x => CoreOps.Elementwise.Div(1f, x))];

    [OnnxOp("Floor")]
    public static Tensor?[] Floor(OpContext c) => [Float(c, CoreOps.Elementwise.Floor)];

    [OnnxOp("Ceil")]
    public static Tensor?[] Ceil(OpContext c) => [Float(c, CoreOps.Elementwise.Ceil)];

    [OnnxOp("Round", SinceVersion = 11)]
    public static Tensor?[] Round(OpContext c) => [Float(c, CoreOps.Elementwise.Round)];

    [OnnxOp("Sqrt")]
    public static Tensor?[] Sqrt(OpContext c) => [Float(c, CoreOps.Elementwise.Sqrt)];

    [OnnxOp("Exp")]
    public static Tensor?[] Exp(OpContext c) => [Float(c, CoreOps.Elementwise.Exp)];

    [OnnxOp("Log")]
    public static Tensor?[] Log(OpContext c) => [Float(c, CoreOps.Elementwise.Log)];

    [OnnxOp("Erf", SinceVersion = 9)]
    public static Tensor?[] Erf(OpContext c) => [Float(c, CoreOps.Elementwise.Erf)];

    [OnnxOp("Sin", SinceVersion = 7)]
    public static Tensor?[] Sin(OpContext c) => [Float(c, CoreOps.Elementwise.Sin)];

    [OnnxOp("Cos", SinceVersion = 7)]
    public static Tensor?[] Cos(OpContext c) => [Float(c, CoreOps.Elementwise.Cos)];

    [OnnxOp("Tan", SinceVersion = 7)]
    public static Tensor?[] Tan(OpContext c) => [Float(c, CoreOps.Elementwise.Tan)];

    [OnnxOp("Asin", SinceVersion = 7)]
    public static Tensor?[] Asin(OpContext c) => [Float(c, CoreOps.Elementwise.Asin)];

    [OnnxOp("Acos", SinceVersion = 7)]
    public static Tensor?[] Acos(OpContext c) => [Float(c, CoreOps.Elementwise.Acos)];

    [OnnxOp("Atan", SinceVersion = 7)]
    public static Tensor?[] Atan(OpContext c) => [Float(c, CoreOps.Elementwise.Atan)];

    [OnnxOp("Sinh", SinceVersion = 9)]
    public static Tensor?[] Sinh(OpContext c) => [Float(c, CoreOps.Elementwise.Sinh)];

    [OnnxOp("Cosh", SinceVersion = 9)]
    public static Tensor?[] Cosh(OpContext c) => [Float(c, CoreOps.Elementwise.Cosh)];

    [OnnxOp("Asinh", SinceVersion = 9)]
    public static Tensor?[] Asinh(OpContext c) => [Float(c, CoreOps.Elementwise.Asinh)];

    [OnnxOp("Acosh", SinceVersion = 9)]
    public static Tensor?[] Acosh(OpContext c) => [Float(c, CoreOps.Elementwise.Acosh)];

    [OnnxOp("Atanh", SinceVersion = 9)]
    public static Tensor?[] Atanh(OpContext c) => [Float(c, CoreOps.Elementwise.Atanh)];

    /// <summary>True where x is NaN.</summary>
    [OnnxOp("IsNaN", SinceVersion = 9)]
    public static Tensor?[] IsNaN(OpContext c) => [Broadcasting.Map<float, bool>(FloatInput(c), float.IsNaN)];

    /// <summary>True where x is +inf (detect_positive) or −inf (detect_negative).</summary>
    [OnnxOp("IsInf", SinceVersion = 10)]
    public static Tensor?[] IsInf(OpContext c)
    {
        bool negative = c.Attributes.Int("detect_negative", 1) != 0, positive = c.Attributes.Int("detect_positive", 1) != 0;
        return [Broadcasting.Map<float, bool>(FloatInput(c), v => (positive && float.IsPositiveInfinity(v)) || (negative && float.IsNegativeInfinity(v)))];
    }

    /// <summary>Input 0, which must be float32.</summary>
    internal static Tensor FloatInput(OpContext c)
    {
        var x = c.Input(0);
        return x.DType == DType.Float32 ? x : throw c.Fail($"expects a float32 input, got {x.DType.Name()}");
    }

    private static Tensor Float(OpContext c, Func<Tensor, Tensor> op) => op(FloatInput(c));

    // A float op through Core; integers elementwise in int32/int64/int8 (uint8 only when the op keeps it unsigned).
    private static Tensor Signed(OpContext c, Func<Tensor, Tensor> op, Func<long, long> i64, Func<sbyte, sbyte> i8, Func<int, int> i32, bool unsigned = false)
    {
        var x = c.Input(0);
        return x.DType switch
        {
            DType.Float32 => op(x),
            DType.Int64 => Broadcasting.Map(x, i64),
            DType.Int32 => Broadcasting.Map(x, i32),
            DType.Int8 => Broadcasting.Map(x, i8),
            DType.UInt8 when unsigned => Broadcasting.Map<byte, byte>(x, v => (byte)i32(v)),
            var t => throw c.Fail($"does not take {t.Name()} input"),
        };
    }
}
