namespace Pare.Core;

/// <summary>Element type of a tensor's storage. Float32 is the type every differentiable op computes in;
/// the integer and boolean types hold quantized weights, indices and masks.</summary>
public enum DType : byte
{
    /// <summary>IEEE 754 single precision.</summary>
    Float32,
    /// <summary>Signed 8-bit integer (quantized weights).</summary>
    Int8,
    /// <summary>Unsigned 8-bit integer (quantized activations).</summary>
    UInt8,
    /// <summary>Signed 32-bit integer (accumulators, indices).</summary>
    Int32,
    /// <summary>Signed 64-bit integer (indices, as ONNX and PyTorch store them).</summary>
    Int64,
    /// <summary>Boolean (masks, comparison results), one byte per element.</summary>
    Bool,
}

/// <summary>Facts about <see cref="DType"/> values and the CLR types that store them.</summary>
public static class DTypes
{
    /// <summary>Bytes per element.</summary>
    public static int SizeOf(this DType type) => type switch
    {
        DType.Float32 or DType.Int32 => 4,
        DType.Int8 or DType.UInt8 or DType.Bool => 1,
        DType.Int64 => 8,
        _ => throw new ArgumentOutOfRangeException(nameof(type), type, "unknown dtype"),
    };

    /// <summary>The DType stored by CLR type <typeparamref name="T"/>.</summary>
    public static DType Of<T>() where T : unmanaged
    {
        if (typeof(T) == typeof(float)) return DType.Float32;
        if (typeof(T) == typeof(sbyte)) return DType.Int8;
        if (typeof(T) == typeof(byte)) return DType.UInt8;
        if (typeof(T) == typeof(int)) return DType.Int32;
        if (typeof(T) == typeof(long)) return DType.Int64;
        if (typeof(T) == typeof(bool)) return DType.Bool;
        throw new ArgumentException($"type {typeof(T).Name} is not a tensor element type", nameof(T));
    }

    /// <summary>Lower-case name as PyTorch prints it (float32, int8, ...).</summary>
    public static string Name(this DType type) => type switch
    {
        DType.Float32 => "float32",
        DType.Int8 => "int8",
        DType.UInt8 => "uint8",
        DType.Int32 => "int32",
        DType.Int64 => "int64",
        DType.Bool => "bool",
        _ => type.ToString(),
    };
}
