using Pare.Core;

namespace Pare.Graph.Ops.Onnx;

/// <summary>Reading the arguments the shape and indexing ops share: axes that moved from an attribute to an input
/// at some opset, index tensors whose negative values count from the end, target shapes given as int64 tensors.</summary>
internal static class ShapeArgs
{
    /// <summary>The axes of a node: the ints attribute <paramref name="name"/> before opset
    /// <paramref name="inputSince"/>, input <paramref name="input"/> from it; null when not given.</summary>
    public static long[]? AxesArg(this OpContext c, int input, long inputSince, string name = "axes")
    {
        if (c.Opset < inputSince) return c.Attributes.Ints(name);
        return c.OptionalInput(input) is { } t ? c.Longs(t, name) : null;
    }

    /// <summary>Distinct axes normalized into [0, rank); fails on a repeat or an out-of-range axis.</summary>
    public static int[] DistinctAxes(this OpContext c, long[] axes, int rank, string what = "axes")
    {
        var result = new int[axes.Length];
        var seen = new bool[rank];
        for (int i = 0; i < axes.Length; i++)
        {
            int a = c.Axis(axes[i], rank, what);
            if (seen[a]) throw c.Fail($"{what} ({string.Join(", ", axes)}) repeat axis {a}");
            seen[a] = true;
            result[i] = a;
        }
        return result;
    }

    /// <summary>A size given as a long, checked to fit an int (sizes beyond that cannot be allocated anyway).</summary>
    public static int Size(this OpContext c, long value, string what) =>
        value is >= 0 and <= int.MaxValue ? (int)value : throw c.Fail($"{what} {value} is not a valid size");

    /// <summary>Index values with negative ones counted from the end (ONNX's rule), each checked against
    /// [−size, size).</summary>
    public static int[] Indices(this OpContext c, Tensor index, int size, string what = "indices")
    {
        var values = c.Longs(index, what);
        var result = new int[values.Length];
        for (int i = 0; i < values.Length; i++)
        {
            long v = values[i] < 0 ? values[i] + size : values[i];
            if (v < 0 || v >= size) throw c.Fail($"{what} value {values[i]} is out of range for an axis of size {size}");
            result[i] = (int)v;
        }
        return result;
    }

    /// <summary>An int64 tensor of <paramref name="values"/> with <paramref name="shape"/>.</summary>
    public static Tensor LongTensor(int[] values, Shape shape) => Tensor.Wrap(Array.ConvertAll(values, v => (long)v), shape);

    /// <summary>A scalar (any shape with one element) of any numeric dtype, as double.</summary>
    public static double Scalar(this OpContext c, Tensor t, string what)
    {
        if (t.Count != 1) throw c.Fail($"{what} must hold one value, has shape {t.Shape}");
        return t.DType switch
        {
            DType.Float32 => t.ToArray<float>()[0],
            DType.Int64 => t.ToArray<long>()[0],
            DType.Int32 => t.ToArray<int>()[0],
            DType.Int8 => t.ToArray<sbyte>()[0],
            DType.UInt8 => t.ToArray<byte>()[0],
            DType.Bool => t.ToArray<bool>()[0] ? 1 : 0,
            _ => throw c.Fail($"{what} has unsupported dtype {t.DType.Name()}"),
        };
    }
}
