using System.Numerics;
using Pare.Core;

namespace Pare.Graph.Ops.Onnx;

/// <summary>BitwiseAnd, BitwiseOr, BitwiseXor (broadcasting) and BitwiseNot (opset 18) on the integer types Pare holds
/// (int8, uint8, int32, int64); not differentiable, so plain loops.</summary>
internal static class Bitwise
{
    [OnnxOp("BitwiseAnd", SinceVersion = 18)]
    public static Tensor?[] And(OpContext c) => [Binary<AndOp>(c)];

    [OnnxOp("BitwiseOr", SinceVersion = 18)]
    public static Tensor?[] Or(OpContext c) => [Binary<OrOp>(c)];

    [OnnxOp("BitwiseXor", SinceVersion = 18)]
    public static Tensor?[] Xor(OpContext c) => [Binary<XorOp>(c)];

    [OnnxOp("BitwiseNot", SinceVersion = 18)]
    public static Tensor?[] Not(OpContext c)
    {
        var x = c.Input(0);
        return [x.DType switch
        {
            DType.Int8 => Broadcasting.Map<sbyte, sbyte>(x, v => (sbyte)~v),
            DType.UInt8 => Broadcasting.Map<byte, byte>(x, v => (byte)~v),
            DType.Int32 => Broadcasting.Map<int, int>(x, v => ~v),
            DType.Int64 => Broadcasting.Map<long, long>(x, v => ~v),
            var t => throw c.Fail($"BitwiseNot takes integers, got {t.Name()}"),
        }];
    }

    private static Tensor Binary<TOp>(OpContext c) where TOp : IIntegerBinary
    {
        var (a, b) = (c.Input(0), c.Input(1));
        if (Broadcasting.SameType(c, a, b) is DType.Float32 or DType.Bool)
            throw c.Fail($"{c.Node.OpType} takes integers, got {a.DType.Name()}");
        return Broadcasting.Integer<TOp>(c, a, b);
    }

    private readonly struct AndOp : IIntegerBinary
    {
        public static T Apply<T>(T a, T b) where T : IBinaryInteger<T> => a & b;
    }

    private readonly struct OrOp : IIntegerBinary
    {
        public static T Apply<T>(T a, T b) where T : IBinaryInteger<T> => a | b;
    }

    private readonly struct XorOp : IIntegerBinary
    {
        public static T Apply<T>(T a, T b) where T : IBinaryInteger<T> => a ^ b;
    }
}
