using Pare.Core;
using Pare.Core.Kernels.Quantize;

namespace Pare.Graph.Ops.Onnx;

/// <summary>QuantizeLinear, DequantizeLinear and DynamicQuantizeLinear, per tensor or per axis, int8/uint8. Plain
/// loops (not differentiable); arithmetic in float32 as ONNX's reference does, rounding half to even, saturating.</summary>
internal static class Quantization
{
    // TensorProto.DataType codes for output_dtype
    private const long OnnxUInt8 = 2, OnnxInt8 = 3;

    /// <summary>y = saturate(round(x / scale) + zero_point).</summary>
    [OnnxOp("QuantizeLinear")]
    public static Tensor?[] QuantizeLinear(OpContext c)
    {
        var (x, scale, zeroPoint) = (c.Input(0), c.Input(1), c.OptionalInput(2));
        c.RequireTensorOrAxis(scale, "y_scale");
        var type = zeroPoint?.DType ?? c.Attributes.Int("output_dtype", OnnxUInt8) switch
        {
            OnnxUInt8 or 0 => DType.UInt8,
            OnnxInt8 => DType.Int8,
            var t => throw c.Unsupported($"output_dtype {t} is not supported (int8 and uint8 are)"),
        };
        if (type is not (DType.Int8 or DType.UInt8)) throw c.Unsupported($"quantizing to {type.Name()} is not supported (int8 and uint8 are)");
        if (scale.Count == 1 && x.DType == DType.Float32 && (zeroPoint is null || zeroPoint.Count == 1))
        {
            // per tensor: the vectorized kernel (same arithmetic)
            float s = c.FloatsOf(scale, "y_scale")[0];
            int z = zeroPoint is null ? 0 : c.IntsOf(zeroPoint, "y_zero_point")[0];
            var src = x.Contiguous().AsSpan<float>();
            if (type == DType.UInt8)
            {
                var u = TensorMemory.Uninitialized<byte>(src.Length);
                LinearQuantizer.QuantizeParallel(src, s, z, false, u);
                return [Tensor.Wrap(u, x.Shape)];
            }
            var sb = TensorMemory.Uninitialized<sbyte>(src.Length);
            LinearQuantizer.QuantizeParallel(src, s, z, true, System.Runtime.InteropServices.MemoryMarshal.AsBytes(sb.AsSpan()));
            return [Tensor.Wrap(sb, x.Shape)];
        }
        var xs = c.FloatsOf(x, "x");
        var scales = c.FloatsOf(scale, "y_scale");
        int[] zps = zeroPoint is null ? new int[scales.Length] : c.IntsOf(zeroPoint, "y_zero_point");
        if (zps.Length != scales.Length) throw c.Fail($"y_zero_point {zeroPoint!.Shape} and y_scale {scale.Shape} differ in size");
        var index = c.ParamIndex(x.Shape, scales.Length, c.Attributes.Int("axis", 1), "y_scale");
        var q = new int[xs.Length];
        for (int i = 0; i < q.Length; i++)
        {
            int p = index(i);
            q[i] = QuantValues.Saturate(Math.Round((double)(xs[i] / scales[p]), MidpointRounding.ToEven) + zps[p], type);
        }
        return [QuantValues.Pack(q, x.Shape, type)];
    }

    /// <summary>y = (x − zero_point) · scale.</summary>
    [OnnxOp("DequantizeLinear")]
    public static Tensor?[] DequantizeLinear(OpContext c)
    {
        var (x, scale, zeroPoint) = (c.Input(0), c.Input(1), c.OptionalInput(2));
        c.RequireTensorOrAxis(scale, "x_scale");
        if (c.Attributes.Int("output_dtype", 0) is not (0 or 1)) throw c.Unsupported("only float32 output is supported");
        if (scale.Count == 1 && x.DType is (DType.UInt8 or DType.Int8) && scale.DType == DType.Float32 && (zeroPoint is null || zeroPoint.Count == 1))
        {
            int z = zeroPoint is null ? 0 : c.IntsOf(zeroPoint, "x_zero_point")[0];
            var yf = TensorMemory.Uninitialized<float>(x.Count);
            var bytes = x.DType == DType.UInt8 ? x.Contiguous().AsSpan<byte>() : System.Runtime.InteropServices.MemoryMarshal.AsBytes(x.Contiguous().AsSpan<sbyte>());
            LinearQuantizer.DequantizeParallel(bytes, x.DType == DType.Int8, scale.Contiguous().AsSpan<float>()[0], z, yf);
            return [Tensor.Wrap(yf, x.Shape)];
        }
        var xs = c.IntsOf(x, "x");
        var scales = c.FloatsOf(scale, "x_scale");
        int[] zps = zeroPoint is null ? new int[scales.Length] : c.IntsOf(zeroPoint, "x_zero_point");
        if (zps.Length != scales.Length) throw c.Fail($"x_zero_point {zeroPoint!.Shape} and x_scale {scale.Shape} differ in size");
        var index = c.ParamIndex(x.Shape, scales.Length, c.Attributes.Int("axis", 1), "x_scale");
        var y = new float[xs.Length];
        for (int i = 0; i < y.Length; i++)
        {
            int p = index(i);
            y[i] = (xs[i] - zps[p]) * scales[p];
        }
        return [Tensor.Wrap(y, x.Shape)];
    }

    /// <summary>uint8 quantization of x with the range [min(0, min x), max(0, max x)]: scale = range / 255,
    /// zero_point = saturate(round(−min / scale)).</summary>
    [OnnxOp("DynamicQuantizeLinear")]
    public static Tensor?[] DynamicQuantizeLinear(OpContext c)
    {
        var x = c.Input(0);
        if (x.DType != DType.Float32) throw c.Unsupported($"x of type {x.DType.Name()} is not supported (float32 is)");
        var xs = x.Contiguous().AsSpan<float>();
        // one vectorized pass for the range (NaN propagates through Min/Max), then straight to bytes
        float min = xs.IsEmpty ? 0f : Math.Min(0f, System.Numerics.Tensors.TensorPrimitives.Min(xs));
        float max = xs.IsEmpty ? 0f : Math.Max(0f, System.Numerics.Tensors.TensorPrimitives.Max(xs));
        if (float.IsNaN(min) || float.IsNaN(max)) throw c.Fail("x holds NaN");
        float scale = (max - min) / 255f;
        int zeroPoint = scale == 0f ? 0 : QuantValues.Saturate(0f - min / scale, DType.UInt8);
        var q = new byte[xs.Length];
        if (scale != 0f)
            for (int i = 0; i < q.Length; i++)
                q[i] = (byte)QuantValues.Saturate(Math.Round((double)(xs[i] / scale), MidpointRounding.ToEven) + zeroPoint, DType.UInt8);
        else
            Array.Fill(q, (byte)zeroPoint);
        return [Tensor.Wrap(q, x.Shape), Tensor.Scalar(scale), Tensor.Wrap(new[] { (byte)zeroPoint }, default)];
    }
}
