using Pare.Core;

namespace Pare.Graph.Ops.Onnx;

/// <summary>Integer and bool tensors widened to long and back, for the plain-loop (non-float) op paths.</summary>
internal static class IntValues
{
    /// <summary>The elements of <paramref name="x"/> in row-major order as longs (bool as 0/1).</summary>
    public static long[] Read(OpContext c, Tensor x) => x.DType switch
    {
        DType.Int64 => x.ToArray<long>(),
        DType.Int32 => Array.ConvertAll(x.ToArray<int>(), v => (long)v),
        DType.Int8 => Array.ConvertAll(x.ToArray<sbyte>(), v => (long)v),
        DType.UInt8 => Array.ConvertAll(x.ToArray<byte>(), v => (long)v),
        DType.Bool => Array.ConvertAll(x.ToArray<bool>(), v => v ? 1L : 0L),
        _ => throw c.Fail($"expected an integer or bool tensor, got {x.DType.Name()}"),
    };

    /// <summary>A tensor of <paramref name="dtype"/> holding <paramref name="values"/> (narrowed by truncation; bool is ≠ 0).</summary>
    public static Tensor Write(long[] values, DType dtype, Shape shape) => dtype switch
    {
        DType.Int64 => Tensor.Wrap(values, shape),
        DType.Int32 => Tensor.Wrap(Array.ConvertAll(values, v => unchecked((int)v)), shape),
        DType.Int8 => Tensor.Wrap(Array.ConvertAll(values, v => unchecked((sbyte)v)), shape),
        DType.UInt8 => Tensor.Wrap(Array.ConvertAll(values, v => unchecked((byte)v)), shape),
        DType.Bool => Tensor.Wrap(Array.ConvertAll(values, v => v != 0), shape),
        _ => throw new ArgumentException($"{dtype.Name()} is not an integer or bool type"),
    };

    /// <summary>Smallest and largest value of an integer or bool type.</summary>
    public static (long Min, long Max) Range(DType dtype) => dtype switch
    {
        DType.Int32 => (int.MinValue, int.MaxValue),
        DType.Int8 => (sbyte.MinValue, sbyte.MaxValue),
        DType.UInt8 => (byte.MinValue, byte.MaxValue),
        DType.Bool => (0, 1),
        _ => (long.MinValue, long.MaxValue),
    };
}
