using Pare.Core;

namespace Pare.Graph.Ops.Onnx;

/// <summary>Element access for the quantized ops: int8/uint8/int32 tensors read as ints, per-tensor or per-axis
/// parameters (scales, zero points) expanded to one value per element, and ONNX's rounding (half to even) with
/// saturation to the 8-bit ranges.</summary>
internal static class QuantValues
{
    /// <summary>The elements of an int8, uint8 or int32 tensor as ints, row-major.</summary>
    public static int[] IntsOf(this OpContext c, Tensor t, string what)
    {
        var x = t.Contiguous();
        switch (t.DType)
        {
            case DType.Int8: { var s = x.AsSpan<sbyte>(); var r = new int[s.Length]; for (int i = 0; i < r.Length; i++) r[i] = s[i]; return r; }
            case DType.UInt8: { var s = x.AsSpan<byte>(); var r = new int[s.Length]; for (int i = 0; i < r.Length; i++) r[i] = s[i]; return r; }
            case DType.Int32: return x.AsSpan<int>().ToArray();
            default: throw c.Unsupported($"{what} of type {t.DType.Name()} is not supported (int8, uint8 and int32 are)");
        }
    }

    /// <summary>The float32 elements of <paramref name="t"/>, row-major.</summary>
    public static float[] FloatsOf(this OpContext c, Tensor t, string what) =>
        t.DType == DType.Float32 ? t.Contiguous().AsSpan<float>().ToArray()
            : throw c.Unsupported($"{what} of type {t.DType.Name()} is not supported (float32 is)");

    /// <summary>Index of each element's parameter for a (possibly per-axis) parameter of <paramref name="count"/>
    /// values: 0 for a per-tensor one, the coordinate along <paramref name="axis"/> for a per-axis one.</summary>
    public static Func<int, int> ParamIndex(this OpContext c, Shape shape, int count, long axis, string what)
    {
        if (count == 1) return _ => 0;
        int a = c.Axis(axis, shape.Rank);
        if (count != shape[a]) throw c.Fail($"{what} has {count} values; per-axis quantization along axis {a} of {shape} needs {shape[a]}");
        int inner = 1;
        for (int d = a + 1; d < shape.Rank; d++) inner *= shape[d];
        return i => i / inner % count;
    }

    /// <summary>Checks a scale or zero point is a scalar or 1-D (blocked quantization is not supported).</summary>
    public static void RequireTensorOrAxis(this OpContext c, Tensor p, string what)
    {
        if (p.Rank > 1 && p.Count > 1) throw c.Unsupported($"{what} {p.Shape}: blocked quantization is not supported");
        if (c.Attributes.Int("block_size", 0) > 0) throw c.Unsupported("blocked quantization (block_size) is not supported");
    }

    /// <summary>Rounds half to even and clamps to the range of <paramref name="type"/>.</summary>
    public static int Saturate(double v, DType type)
    {
        double r = Math.Round(v, MidpointRounding.ToEven);
        var (lo, hi) = Range(type);
        return (int)Math.Clamp(r, lo, hi);
    }

    /// <summary>The value range of an 8-bit type.</summary>
    public static (int Lo, int Hi) Range(DType type) => type switch
    {
        DType.Int8 => (sbyte.MinValue, sbyte.MaxValue),
        DType.UInt8 => (byte.MinValue, byte.MaxValue),
        _ => throw new ArgumentException($"no 8-bit range for {type.Name()}"),
    };

    /// <summary>A tensor of <paramref name="type"/> (int8, uint8 or int32) holding <paramref name="values"/>.</summary>
    public static Tensor Pack(int[] values, Shape shape, DType type)
    {
        switch (type)
        {
            case DType.Int8: { var d = new sbyte[values.Length]; for (int i = 0; i < d.Length; i++) d[i] = (sbyte)values[i]; return Tensor.Wrap(d, shape); }
            case DType.UInt8: { var d = new byte[values.Length]; for (int i = 0; i < d.Length; i++) d[i] = (byte)values[i]; return Tensor.Wrap(d, shape); }
            case DType.Int32: return Tensor.Wrap(values, shape);
            default: throw new ArgumentException($"cannot pack {type.Name()}");
        }
    }
}
