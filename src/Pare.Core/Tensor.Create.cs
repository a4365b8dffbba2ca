using Pare.Core.Random;

namespace Pare.Core;

// Factories. Every factory validates its shape through Shape, so a negative size or an overflowing product
// is an ArgumentException naming the shape before any memory is allocated.
public sealed partial class Tensor
{
    /// <summary>A new zero-filled contiguous tensor.</summary>
    public static Tensor Zeros(Shape shape, DType dtype = DType.Float32) => dtype switch
    {
        DType.Float32 => Wrap(TensorMemory.Zeroed<float>(shape.ElementCount), shape),
        DType.Int8 => Wrap(TensorMemory.Zeroed<sbyte>(shape.ElementCount), shape),
        DType.UInt8 => Wrap(TensorMemory.Zeroed<byte>(shape.ElementCount), shape),
        DType.Int32 => Wrap(TensorMemory.Zeroed<int>(shape.ElementCount), shape),
        DType.Int64 => Wrap(TensorMemory.Zeroed<long>(shape.ElementCount), shape),
        DType.Bool => Wrap(TensorMemory.Zeroed<bool>(shape.ElementCount), shape),
        _ => throw new ArgumentOutOfRangeException(nameof(dtype), dtype, "unknown dtype"),
    };

    /// <summary>Zeros with the shape of <paramref name="like"/> (float32 unless given).</summary>
    public static Tensor ZerosLike(Tensor like, DType? dtype = null) => Zeros(like.Shape, dtype ?? like.DType);

    /// <summary>A float32 tensor filled with ones.</summary>
    public static Tensor Ones(Shape shape) => Full(shape, 1f);

    /// <summary>A float32 tensor filled with <paramref name="value"/>.</summary>
    public static Tensor Full(Shape shape, float value)
    {
        var data = TensorMemory.Uninitialized<float>(shape.ElementCount);
        data.AsSpan().Fill(value);
        return Wrap(data, shape);
    }

    /// <summary>A float32 scalar (rank 0).</summary>
    public static Tensor Scalar(float value) => Wrap([value], default);

    /// <summary>[start, start+step, ...) up to <paramref name="end"/> (exclusive), float32.</summary>
    public static Tensor Arange(float start, float end, float step = 1f)
    {
        if (step == 0 || float.IsNaN(step) || float.IsNaN(start) || float.IsNaN(end))
            throw new ArgumentException($"arange({start}, {end}, {step}): step must be non-zero and bounds finite");
        double n = Math.Ceiling((end - (double)start) / step);
        if (n > Array.MaxLength)
            throw new ArgumentException($"arange({start}, {end}, {step}) would hold {n} elements");
        int count = Math.Max(0, (int)n);
        var data = new float[count];
        for (int i = 0; i < count; i++) data[i] = (float)(start + (double)i * step);
        return Wrap(data, new Shape(count));
    }

    /// <summary>[start, end) with integer step as int64 (indices).</summary>
    public static Tensor ArangeInt64(long start, long end, long step = 1)
    {
        if (step == 0) throw new ArgumentException("arange: step must be non-zero", nameof(step));
        long n = step > 0 ? (end - start + step - 1) / step : (start - end - step - 1) / -step;
        if (n > Array.MaxLength) throw new ArgumentException($"arange({start}, {end}, {step}) would hold {n} elements");
        int count = (int)Math.Max(0, n);
        var data = new long[count];
        for (int i = 0; i < count; i++) data[i] = start + i * step;
        return Wrap(data, new Shape(count));
    }

    /// <summary>Uniform samples in [<paramref name="low"/>, <paramref name="high"/>) from a seeded generator.</summary>
    public static Tensor Uniform(Shape shape, float low, float high, Rng rng)
    {
        ArgumentNullException.ThrowIfNull(rng);
        var data = new float[shape.ElementCount];
        float width = high - low;
        for (int i = 0; i < data.Length; i++) data[i] = low + width * rng.NextFloat();
        return Wrap(data, shape);
    }

    /// <summary>Normal samples N(<paramref name="mean"/>, <paramref name="std"/>²) from a seeded generator.</summary>
    public static Tensor Normal(Shape shape, float mean, float std, Rng rng)
    {
        ArgumentNullException.ThrowIfNull(rng);
        var data = new float[shape.ElementCount];
        for (int i = 0; i < data.Length; i++) data[i] = mean + std * rng.NextNormal();
        return Wrap(data, shape);
    }

    /// <summary>A tensor holding a copy of <paramref name="data"/>; its length must equal the shape's count.</summary>
    public static Tensor FromSpan<T>(ReadOnlySpan<T> data, Shape shape) where T : unmanaged
    {
        if (data.Length != shape.ElementCount)
            throw new ArgumentException($"{data.Length} values do not fill shape {shape} ({shape.ElementCount} elements)");
        return Wrap(data.ToArray(), shape);
    }

    /// <summary>A 1-D tensor holding a copy of <paramref name="data"/>.</summary>
    public static Tensor FromSpan<T>(ReadOnlySpan<T> data) where T : unmanaged => Wrap(data.ToArray(), new Shape(data.Length));

    /// <summary>Wraps an array without copying; the tensor owns it from now on.</summary>
    public static Tensor Wrap<T>(T[] data, Shape shape) where T : unmanaged
    {
        ArgumentNullException.ThrowIfNull(data);
        if (data.Length != shape.ElementCount)
            throw new ArgumentException($"{data.Length} values do not fill shape {shape} ({shape.ElementCount} elements)");
        return new Tensor(new TensorStorage<T>(data), shape);
    }

    /// <summary>Wraps memory (e.g. a memory-mapped file) without copying.</summary>
    public static Tensor Wrap<T>(Memory<T> data, Shape shape) where T : unmanaged
    {
        if (data.Length != shape.ElementCount)
            throw new ArgumentException($"{data.Length} values do not fill shape {shape} ({shape.ElementCount} elements)");
        return new Tensor(new TensorStorage<T>(data), shape);
    }

    /// <summary>A contiguous copy that shares nothing with this tensor and is not recorded for autograd.</summary>
    public Tensor Clone()
    {
        return DType switch
        {
            DType.Float32 => Wrap(Copy<float>(), Shape),
            DType.Int8 => Wrap(Copy<sbyte>(), Shape),
            DType.UInt8 => Wrap(Copy<byte>(), Shape),
            DType.Int32 => Wrap(Copy<int>(), Shape),
            DType.Int64 => Wrap(Copy<long>(), Shape),
            DType.Bool => Wrap(Copy<bool>(), Shape),
            _ => throw new InvalidOperationException(),
        };
    }

    // A contiguous copy in an array from TensorMemory (an op output when called inside an op).
    private T[] Copy<T>() where T : unmanaged
    {
        var result = TensorMemory.Uninitialized<T>(Count);
        StridedCopy.Gather(TypedStorage<T>().Span, Offset, Shape.Dims, _strides, result);
        return result;
    }

    /// <summary>Converts to another element type (float→integer truncates toward zero like PyTorch; bool is x≠0).
    /// Not differentiable.</summary>
    public Tensor To(DType dtype)
    {
        if (dtype == DType) return this;
        var src = ToFloatArrayAny();
        var result = Zeros(Shape, dtype);
        switch (dtype)
        {
            case DType.Float32: { var d = result.AsSpan<float>(); for (int i = 0; i < d.Length; i++) d[i] = (float)src[i]; break; }
            case DType.Int8: { var d = result.AsSpan<sbyte>(); for (int i = 0; i < d.Length; i++) d[i] = (sbyte)src[i]; break; }
            case DType.UInt8: { var d = result.AsSpan<byte>(); for (int i = 0; i < d.Length; i++) d[i] = (byte)src[i]; break; }
            case DType.Int32: { var d = result.AsSpan<int>(); for (int i = 0; i < d.Length; i++) d[i] = (int)src[i]; break; }
            case DType.Int64: { var d = result.AsSpan<long>(); for (int i = 0; i < d.Length; i++) d[i] = (long)src[i]; break; }
            case DType.Bool: { var d = result.AsSpan<bool>(); for (int i = 0; i < d.Length; i++) d[i] = src[i] != 0; break; }
            default: throw new ArgumentOutOfRangeException(nameof(dtype));
        }
        return result;
    }

    // Values as double so that int64 indices beyond 2^24 survive a conversion.
    private double[] ToFloatArrayAny()
    {
        var r = new double[Count];
        switch (DType)
        {
            case DType.Float32: { var a = ToArray<float>(); for (int i = 0; i < r.Length; i++) r[i] = a[i]; break; }
            case DType.Int8: { var a = ToArray<sbyte>(); for (int i = 0; i < r.Length; i++) r[i] = a[i]; break; }
            case DType.UInt8: { var a = ToArray<byte>(); for (int i = 0; i < r.Length; i++) r[i] = a[i]; break; }
            case DType.Int32: { var a = ToArray<int>(); for (int i = 0; i < r.Length; i++) r[i] = a[i]; break; }
            case DType.Int64: { var a = ToArray<long>(); for (int i = 0; i < r.Length; i++) r[i] = a[i]; break; }
            case DType.Bool: { var a = ToArray<bool>(); for (int i = 0; i < r.Length; i++) r[i] = a[i] ? 1 : 0; break; }
        }
        return r;
    }
}
