using Pare.Core.Autograd;
using Pare.Core.Kernels.Pool;

namespace Pare.Core.Ops;

/// <summary>2-D pooling with backward, on x (N, C, H, W) or (C, H, W); sizes follow PyTorch (stride defaults to
/// the kernel size; padding at most half the kernel).</summary>
public static class Pooling
{
    /// <summary>Max pooling with square int hyper-parameters.</summary>
    /// <param name="x">(N, C, H, W) or (C, H, W)</param>
    /// <param name="kernel">window size</param>
    /// <param name="stride">stride (null: the kernel size)</param>
    /// <param name="padding">implicit −∞ padding on every side</param>
    /// <param name="dilation">tap spacing</param>
    /// <param name="ceilMode">round the output size up</param>
    /// <returns>(N, C, OutH, OutW)</returns>
    public static Tensor MaxPool2d(Tensor x, int kernel, int? stride = null, int padding = 0, int dilation = 1, bool ceilMode = false) =>
        MaxPool2d(x, (kernel, kernel), (stride ?? kernel, stride ?? kernel), (padding, padding), (dilation, dilation), ceilMode);

    /// <summary>Max pooling: the largest value of each window (NaN propagates).</summary>
    /// <param name="x">(N, C, H, W) or (C, H, W), any strides</param>
    /// <param name="kernel">(kH, kW)</param>
    /// <param name="stride">(strideH, strideW)</param>
    /// <param name="padding">(padH, padW)</param>
    /// <param name="dilation">(dilationH, dilationW)</param>
    /// <param name="ceilMode">round the output size up</param>
    /// <returns>(N, C, OutH, OutW)</returns>
    [Op("max_pool2d")]
    public static Tensor MaxPool2d(Tensor x, (int H, int W) kernel, (int H, int W) stride, (int H, int W) padding, (int H, int W) dilation, bool ceilMode = false)
    {
        if (Tape.ShouldRecord([x])) return MaxPoolCore(x, kernel, stride, padding, dilation, ceilMode).Output;
        // nothing will ask for a gradient: the values alone, without an argmax to keep
        var g = Geometry("max_pool2d", x, kernel, stride, padding, dilation, ceilMode);
        var y = TensorMemory.Uninitialized<float>(checked(g.Planes * g.OutHeight * g.OutWidth));
        MaxPool2dValues.Forward(g, Convolution.Values(x).Span, y);
        return Tensor.Wrap(y, OutShape(x, g));
    }

    /// <summary>Max pooling that also returns the argmax of each window as int64 flat indices iy·W + ix inside
    /// its (H, W) plane, like PyTorch's return_indices (ONNX MaxPool's Indices use the whole tensor instead).</summary>
    /// <param name="x">(N, C, H, W) or (C, H, W)</param>
    /// <param name="kernel">(kH, kW)</param>
    /// <param name="stride">(strideH, strideW)</param>
    /// <param name="padding">(padH, padW)</param>
    /// <param name="dilation">(dilationH, dilationW)</param>
    /// <param name="ceilMode">round the output size up</param>
    /// <returns>output and indices, both (N, C, OutH, OutW)</returns>
    public static (Tensor Output, Tensor Indices) MaxPool2dWithIndices(Tensor x, (int H, int W) kernel, (int H, int W) stride,
        (int H, int W) padding, (int H, int W) dilation, bool ceilMode = false)
    {
        var (output, argmax) = MaxPoolCore(x, kernel, stride, padding, dilation, ceilMode);
        var indices = TensorMemory.Zeroed<long>(argmax.Length);
        for (int i = 0; i < indices.Length; i++) indices[i] = argmax[i];
        return (output, Tensor.Wrap(indices, output.Shape));
    }

    private static (Tensor Output, int[] Argmax) MaxPoolCore(Tensor x, (int H, int W) kernel, (int H, int W) stride,
        (int H, int W) padding, (int H, int W) dilation, bool ceilMode)
    {
        var g = Geometry("max_pool2d", x, kernel, stride, padding, dilation, ceilMode);
        // outputs and gradients are fully written by the kernels: skip the runtime's zeroing of large arrays
        var y = TensorMemory.Uninitialized<float>(checked(g.Planes * g.OutHeight * g.OutWidth));
        var argmax = TensorMemory.Uninitialized<int>(y.Length); // inside an arena: a temporary, back after the op
        Kernels.Pool.MaxPool2d.Forward(g, Convolution.Values(x).Span, y, argmax);
        var output = Tensor.Wrap(y, OutShape(x, g));
        Tape.Record(output, "max_pool2d", [x], dOut =>
        {
            var dx = GC.AllocateUninitializedArray<float>(x.Count);
            Kernels.Pool.MaxPool2d.Backward(g, Convolution.Values(dOut).Span, argmax, dx);
            return [Tensor.Wrap(dx, x.Shape)];
        });
        return (output, argmax);
    }

    /// <summary>Average pooling with square int hyper-parameters.</summary>
    /// <param name="x">(N, C, H, W) or (C, H, W)</param>
    /// <param name="kernel">window size</param>
    /// <param name="stride">stride (null: the kernel size)</param>
    /// <param name="padding">zero padding on every side</param>
    /// <param name="ceilMode">round the output size up</param>
    /// <param name="countIncludePad">divide by the window size including padding (PyTorch's default)</param>
    /// <returns>(N, C, OutH, OutW)</returns>
    public static Tensor AvgPool2d(Tensor x, int kernel, int? stride = null, int padding = 0, bool ceilMode = false, bool countIncludePad = true) =>
        AvgPool2d(x, (kernel, kernel), (stride ?? kernel, stride ?? kernel), (padding, padding), ceilMode, countIncludePad);

    /// <summary>Average pooling: the mean of each window; the divisor counts padding when
    /// <paramref name="countIncludePad"/> (windows that ceil mode pushes past the padding never count it).</summary>
    /// <param name="x">(N, C, H, W) or (C, H, W), any strides</param>
    /// <param name="kernel">(kH, kW)</param>
    /// <param name="stride">(strideH, strideW)</param>
    /// <param name="padding">(padH, padW)</param>
    /// <param name="ceilMode">round the output size up</param>
    /// <param name="countIncludePad">divide by the window size including padding</param>
    /// <returns>(N, C, OutH, OutW)</returns>
    [Op("avg_pool2d")]
    public static Tensor AvgPool2d(Tensor x, (int H, int W) kernel, (int H, int W) stride, (int H, int W) padding, bool ceilMode = false, bool countIncludePad = true)
    {
        var g = Geometry("avg_pool2d", x, kernel, stride, padding, (1, 1), ceilMode);
        var y = TensorMemory.Uninitialized<float>(checked(g.Planes * g.OutHeight * g.OutWidth));
        Kernels.Pool.AvgPool2d.Forward(g, Convolution.Values(x).Span, countIncludePad, y);
        var output = Tensor.Wrap(y, OutShape(x, g));
        return Tape.Record(output, "avg_pool2d", [x], dOut =>
        {
            var dx = GC.AllocateUninitializedArray<float>(x.Count);
            Kernels.Pool.AvgPool2d.Backward(g, Convolution.Values(dOut).Span, countIncludePad, dx);
            return [Tensor.Wrap(dx, x.Shape)];
        });
    }

    /// <summary>Global average pooling (ONNX GlobalAveragePool): the mean of each (H, W) plane, dims kept.</summary>
    /// <param name="x">(N, C, H, W), H·W ≥ 1</param>
    /// <returns>(N, C, 1, 1)</returns>
    [Op("global_avg_pool2d")]
    public static Tensor GlobalAvgPool2d(Tensor x)
    {
        ArgumentNullException.ThrowIfNull(x);
        if (x.DType != DType.Float32 || x.Rank != 4)
            throw new ArgumentException($"global_avg_pool2d expects a float32 x (N, C, H, W), got {x.DType.Name()} {x.Shape}");
        int plane = x.Dim(2) * x.Dim(3);
        if (plane == 0) throw new ArgumentException($"global_avg_pool2d: x {x.Shape} has an empty (H, W) plane");
        var y = TensorMemory.Zeroed<float>(x.Dim(0) * x.Dim(1));
        Kernels.Pool.AvgPool2d.GlobalForward(Convolution.Values(x).Span, plane, y);
        var output = Tensor.Wrap(y, new Shape(x.Dim(0), x.Dim(1), 1, 1));
        return Tape.Record(output, "global_avg_pool2d", [x], dOut =>
        {
            var dx = GC.AllocateUninitializedArray<float>(x.Count);
            Kernels.Pool.AvgPool2d.GlobalBackward(Convolution.Values(dOut).Span, plane, dx);
            return [Tensor.Wrap(dx, x.Shape)];
        });
    }

    private static PoolGeometry Geometry(string op, Tensor x, (int H, int W) kernel, (int H, int W) stride, (int H, int W) padding, (int H, int W) dilation, bool ceilMode)
    {
        ArgumentNullException.ThrowIfNull(x);
        if (x.DType != DType.Float32 || (x.Rank != 4 && x.Rank != 3))
            throw new ArgumentException($"{op} expects a float32 x (N, C, H, W) or (C, H, W), got {x.DType.Name()} {x.Shape}");
        // formatted only for an error message (this runs on every call)
        string Args() => $"kernel ({kernel.H}, {kernel.W}), stride ({stride.H}, {stride.W}), padding ({padding.H}, {padding.W}), dilation ({dilation.H}, {dilation.W})";
        if (kernel.H < 1 || kernel.W < 1 || stride.H < 1 || stride.W < 1 || dilation.H < 1 || dilation.W < 1 || padding.H < 0 || padding.W < 0)
            throw new ArgumentException($"{op}: kernel, stride and dilation must be positive and padding non-negative; x {x.Shape}, {Args()}");
        if (padding.H > kernel.H / 2 || padding.W > kernel.W / 2)
            throw new ArgumentException($"{op}: padding must be at most half the kernel size; x {x.Shape}, {Args()}");
        int h = x.Dim(-2), w = x.Dim(-1), planes = x.Rank == 4 ? x.Dim(0) * x.Dim(1) : x.Dim(0);
        var g = new PoolGeometry(planes, h, w, kernel.H, kernel.W, stride.H, stride.W, padding.H, padding.W, dilation.H, dilation.W, ceilMode);
        if (h == 0 || w == 0 || g.OutHeight < 1 || g.OutWidth < 1)
            throw new ArgumentException($"{op}: output size ({g.OutHeight}, {g.OutWidth}) is too small for x {x.Shape}, {Args()}");
        return g;
    }

    private static Shape OutShape(Tensor x, PoolGeometry g) => x.Rank == 4
        ? new Shape(x.Dim(0), x.Dim(1), g.OutHeight, g.OutWidth)
        : new Shape(x.Dim(0), g.OutHeight, g.OutWidth);
}
