using System.Numerics;
using Pare.Core;

namespace Pare.Graph.Ops.Onnx;

/// <summary>ONNX Cast and CastLike between the element types Pare computes in (float32, int8, uint8, int32, int64,
/// bool). Float → integer truncates toward zero (saturating out of range, where ONNX leaves the result undefined);
/// integer → integer wraps like C and NumPy; → bool is x ≠ 0; int64 → float32 rounds once, to nearest. Opset 19's
/// saturate attribute only concerns the float8 types, which Pare does not hold, so it is ignored. Casts to other
/// types are unsupported (skipped), since Pare adds no dtypes for them.</summary>
internal static class Cast
{
    [OnnxOp("Cast")]
    public static Tensor?[] Run(OpContext c)
    {
        // Cast-1 named the type as a string ("FLOAT", "INT64"); from opset 6 it is the TensorProto.DataType number
        var to = c.Attributes.Find("to") is { Kind: AttributeKind.String, S: var name }
            ? Enum.TryParse<ElementType>(name, ignoreCase: true, out var named) ? named : throw c.Fail($"attribute to names no element type: '{name}'")
            : (ElementType)c.Attributes.Int("to");
        var dtype = to.ToDType() ?? throw c.Unsupported($"cast to {to} is not supported (Pare computes in float32, int8, uint8, int32, int64 and bool)");
        return [Convert(c.Input(0), dtype)];
    }

    [OnnxOp("CastLike", SinceVersion = 15)]
    public static Tensor?[] Like(OpContext c) => [Convert(c.Input(0), c.Input(1).DType)];

    /// <summary><paramref name="x"/> as <paramref name="to"/>; the input itself when the type is already right, so a
    /// float → float cast keeps the gradient path.</summary>
    internal static Tensor Convert(Tensor x, DType to) => x.DType == to ? x : x.DType switch
    {
        DType.Float32 => From<float>(x, to),
        DType.Int8 => From<sbyte>(x, to),
        DType.UInt8 => From<byte>(x, to),
        DType.Int32 => From<int>(x, to),
        DType.Int64 => From<long>(x, to),
        _ => From<byte>(Broadcasting.Map<bool, byte>(x, v => v ? (byte)1 : (byte)0), to),
    };

    private static Tensor From<T>(Tensor x, DType to) where T : unmanaged, INumberBase<T> => to switch
    {
        DType.Float32 => Broadcasting.Map<T, float>(x, float.CreateTruncating),
        DType.Int8 => Broadcasting.Map<T, sbyte>(x, sbyte.CreateTruncating),
        DType.UInt8 => Broadcasting.Map<T, byte>(x, byte.CreateTruncating),
        DType.Int32 => Broadcasting.Map<T, int>(x, int.CreateTruncating),
        DType.Int64 => Broadcasting.Map<T, long>(x, long.CreateTruncating),
        DType.Bool => Broadcasting.Map<T, bool>(x, v => !T.IsZero(v)),
        _ => throw new ArgumentOutOfRangeException(nameof(to), to, "unknown dtype"),
    };
}
