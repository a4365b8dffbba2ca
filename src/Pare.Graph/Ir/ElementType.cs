using Pare.Core;

namespace Pare.Graph;

/// <summary>Element types a graph value may declare, numbered as ONNX's <c>TensorProto.DataType</c>. Pare computes
/// in the subset that maps to a <see cref="DType"/>; the others can be read and reported but not run.</summary>
public enum ElementType
{
    /// <summary>Not set.</summary>
    Undefined = 0,
    /// <summary>float32.</summary>
    Float = 1,
    /// <summary>uint8.</summary>
    UInt8 = 2,
    /// <summary>int8.</summary>
    Int8 = 3,
    /// <summary>uint16.</summary>
    UInt16 = 4,
    /// <summary>int16.</summary>
    Int16 = 5,
    /// <summary>int32.</summary>
    Int32 = 6,
    /// <summary>int64.</summary>
    Int64 = 7,
    /// <summary>UTF-8 string.</summary>
    String = 8,
    /// <summary>bool.</summary>
    Bool = 9,
    /// <summary>IEEE half precision.</summary>
    Float16 = 10,
    /// <summary>float64.</summary>
    Double = 11,
    /// <summary>uint32.</summary>
    UInt32 = 12,
    /// <summary>uint64.</summary>
    UInt64 = 13,
    /// <summary>complex64.</summary>
    Complex64 = 14,
    /// <summary>complex128.</summary>
    Complex128 = 15,
    /// <summary>bfloat16.</summary>
    BFloat16 = 16,
    /// <summary>float8 e4m3fn.</summary>
    Float8E4M3FN = 17,
    /// <summary>float8 e4m3fnuz.</summary>
    Float8E4M3FNUZ = 18,
    /// <summary>float8 e5m2.</summary>
    Float8E5M2 = 19,
    /// <summary>float8 e5m2fnuz.</summary>
    Float8E5M2FNUZ = 20,
    /// <summary>uint4 (two per byte).</summary>
    UInt4 = 21,
    /// <summary>int4 (two per byte).</summary>
    Int4 = 22,
    /// <summary>float4 e2m1 (two per byte).</summary>
    Float4E2M1 = 23,
    /// <summary>float8 e8m0 (scale type).</summary>
    Float8E8M0 = 24,
    /// <summary>uint2 (four per byte).</summary>
    UInt2 = 25,
    /// <summary>int2 (four per byte).</summary>
    Int2 = 26,
}

/// <summary>Mapping between <see cref="ElementType"/> and the <see cref="DType"/> Pare computes in.</summary>
public static class ElementTypes
{
    /// <summary>The DType that stores <paramref name="type"/>, or null when Pare cannot compute in it.</summary>
    public static DType? ToDType(this ElementType type) => type switch
    {
        ElementType.Float => DType.Float32,
        ElementType.UInt8 => DType.UInt8,
        ElementType.Int8 => DType.Int8,
        ElementType.Int32 => DType.Int32,
        ElementType.Int64 => DType.Int64,
        ElementType.Bool => DType.Bool,
        _ => null,
    };

    /// <summary>The element type of a tensor of <paramref name="type"/>.</summary>
    public static ElementType FromDType(DType type) => type switch
    {
        DType.Float32 => ElementType.Float,
        DType.UInt8 => ElementType.UInt8,
        DType.Int8 => ElementType.Int8,
        DType.Int32 => ElementType.Int32,
        DType.Int64 => ElementType.Int64,
        DType.Bool => ElementType.Bool,
        _ => throw new ArgumentOutOfRangeException(nameof(type), type, "no ONNX element type"),
    };

    /// <summary>The DType of <paramref name="type"/>, or an <see cref="UnsupportedOpException"/> naming
    /// <paramref name="where"/> (a value or field) when Pare cannot compute in it.</summary>
    public static DType Require(this ElementType type, string where) =>
        type.ToDType() ?? throw new UnsupportedOpException($"{where}: element type {type} is not supported");
}
