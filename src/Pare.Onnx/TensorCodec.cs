using System.Runtime.InteropServices;
using Google.Protobuf;
using Pare.Core;
using Pare.Graph;
using Pare.Onnx.Proto;

namespace Pare.Onnx;

/// <summary>Converts between ONNX <c>TensorProto</c> and Pare tensors. Data may sit in <c>raw_data</c>
/// (little-endian), in the typed fields, or in an external file (resolved by <see cref="ExternalData"/>). Every
/// size is checked against the declared dimensions before anything is allocated.</summary>
internal static class TensorCodec
{
    /// <summary>Largest element count a tensor may declare (one .NET array).</summary>
    public const long MaxElements = int.MaxValue;

    public static Tensor FromProto(TensorProto proto, string where, ExternalData? external = null)
    {
        var type = (ElementType)proto.DataType;
        if (!Enum.IsDefined(type) || type == ElementType.Undefined)
            throw new OnnxFormatException($"{where}: data_type {proto.DataType} is not an ONNX element type");
        var dtype = type.ToDType()
            ?? throw new UnsupportedOpException($"{where}: element type {type} is not supported");
        var shape = ShapeOf(proto.Dims, where);
        var count = shape.ElementCount;
        if (proto.DataLocation == TensorProto.Types.DataLocation.External)
        {
            if (external is null) throw new OnnxFormatException($"{where}: stores its data in an external file, which is not allowed here");
            var bytes = external.Read(proto, (long)count * dtype.SizeOf(), where);
            return FromRaw(bytes, dtype, shape, where);
        }
        if (!proto.RawData.IsEmpty) return FromRaw(proto.RawData.Span, dtype, shape, where);
        return dtype switch
        {
            DType.Float32 => Typed(proto.FloatData, shape, where, "float_data"),
            DType.Int64 => Typed(proto.Int64Data, shape, where, "int64_data"),
            DType.Int32 => Typed(proto.Int32Data, shape, where, "int32_data"),
            DType.Int8 => Narrow(proto.Int32Data, shape, where, v => checked((sbyte)v)),
            DType.UInt8 => Narrow(proto.Int32Data, shape, where, v => checked((byte)v)),
            DType.Bool => Narrow(proto.Int32Data, shape, where, v => v != 0),
            _ => throw new UnsupportedOpException($"{where}: element type {type} is not supported"),
        };
    }

    public static TensorProto ToProto(Tensor tensor, string name)
    {
        var proto = new TensorProto { Name = name, DataType = (int)ElementTypes.FromDType(tensor.DType) };
        foreach (var d in tensor.Shape) proto.Dims.Add(d);
        var contiguous = tensor.Contiguous();
        proto.RawData = tensor.DType switch
        {
            DType.Float32 => Raw<float>(contiguous),
            DType.Int64 => Raw<long>(contiguous),
            DType.Int32 => Raw<int>(contiguous),
            DType.Int8 => Raw<sbyte>(contiguous),
            DType.UInt8 => Raw<byte>(contiguous),
            DType.Bool => Raw<bool>(contiguous),
            _ => throw new ArgumentOutOfRangeException(nameof(tensor), tensor.DType, "no ONNX encoding"),
        };
        return proto;
    }

    public static Shape ShapeOf(IReadOnlyList<long> dims, string where)
    {
        var sizes = new int[dims.Count];
        long count = 1;
        for (var i = 0; i < dims.Count; i++)
        {
            if (dims[i] < 0) throw new OnnxFormatException($"{where}: dimension {i} is negative ({dims[i]})");
            if (dims[i] > MaxElements || (count *= Math.Max(dims[i], 1)) > MaxElements)
                throw new OnnxFormatException($"{where}: declares more than {MaxElements} elements (dims [{string.Join(",", dims)}]), more than Pare can hold in one tensor");
            sizes[i] = (int)dims[i];
        }
        return new Shape(sizes);
    }

    private static ByteString Raw<T>(Tensor t) where T : unmanaged
    {
        var bytes = MemoryMarshal.AsBytes(t.AsSpan<T>());
        if (BitConverter.IsLittleEndian) return ByteString.CopyFrom(bytes);
        throw new PlatformNotSupportedException("big-endian hosts are not supported");
    }

    private static Tensor FromRaw(ReadOnlySpan<byte> bytes, DType dtype, Shape shape, string where)
    {
        long expected = (long)shape.ElementCount * dtype.SizeOf();
        if (bytes.Length != expected)
            throw new OnnxFormatException($"{where}: raw_data has {bytes.Length} bytes, dims {shape} of {dtype.Name()} need {expected}");
        return dtype switch
        {
            DType.Float32 => Tensor.Wrap(MemoryMarshal.Cast<byte, float>(bytes).ToArray(), shape),
            DType.Int64 => Tensor.Wrap(MemoryMarshal.Cast<byte, long>(bytes).ToArray(), shape),
            DType.Int32 => Tensor.Wrap(MemoryMarshal.Cast<byte, int>(bytes).ToArray(), shape),
            DType.Int8 => Tensor.Wrap(MemoryMarshal.Cast<byte, sbyte>(bytes).ToArray(), shape),
            DType.UInt8 => Tensor.Wrap(bytes.ToArray(), shape),
            DType.Bool => Tensor.Wrap(Bools(bytes), shape),
            _ => throw new UnsupportedOpException($"{where}: element type {dtype} is not supported"),
        };
    }

    private static bool[] Bools(ReadOnlySpan<byte> bytes)
    {
        var result = new bool[bytes.Length];
        for (var i = 0; i < bytes.Length; i++) result[i] = bytes[i] != 0;
        return result;
    }

    private static Tensor Typed<T>(Google.Protobuf.Collections.RepeatedField<T> data, Shape shape, string where, string field)
        where T : unmanaged
    {
        if (data.Count != shape.ElementCount)
            throw new OnnxFormatException($"{where}: {field} has {data.Count} values, dims {shape} need {shape.ElementCount}");
        return Tensor.Wrap(data.ToArray(), shape);
    }

    private static Tensor Narrow<T>(Google.Protobuf.Collections.RepeatedField<int> data, Shape shape, string where, Func<int, T> convert)
        where T : unmanaged
    {
        if (data.Count != shape.ElementCount)
            throw new OnnxFormatException($"{where}: int32_data has {data.Count} values, dims {shape} need {shape.ElementCount}");
        var result = new T[data.Count];
        try
        {
            for (var i = 0; i < result.Length; i++) result[i] = convert(data[i]);
        }
        catch (OverflowException)
        {
            throw new OnnxFormatException($"{where}: int32_data holds a value out of range of {typeof(T).Name}");
        }
        return Tensor.Wrap(result, shape);
    }
}
