using Pare.Core.Autograd;
using Pare.Core.Kernels.Conv;

namespace Pare.Core.Ops;

/// <summary>Convolutions (cross-correlation, as PyTorch and ONNX define them) with their backward: x (N, C_in, H, W)
/// or (N, C_in, L), weight (C_out, C_in/groups, kH, kW) or (C_out, C_in/groups, k), bias (C_out).</summary>
public static partial class Convolution
{
    /// <summary>2-D convolution with PyTorch's symmetric int hyper-parameters.</summary>
    /// <param name="x">(N, C_in, H, W)</param>
    /// <param name="weight">(C_out, C_in/groups, kH, kW)</param>
    /// <param name="bias">(C_out) or null</param>
    /// <param name="stride">stride on both axes</param>
    /// <param name="padding">zero padding on all four sides</param>
    /// <param name="dilation">tap spacing on both axes</param>
    /// <param name="groups">channel groups</param>
    /// <returns>(N, C_out, OutH, OutW)</returns>
    public static Tensor Conv2d(Tensor x, Tensor weight, Tensor? bias = null, int stride = 1, int padding = 0, int dilation = 1, int groups = 1) =>
        Conv2d(x, weight, bias, new Conv2dOptions(stride, stride, padding, padding, padding, padding, dilation, dilation, groups));

    /// <summary>2-D convolution with PyTorch's (H, W) pairs: padding.H rows above and below, padding.W columns left and right.</summary>
    /// <param name="x">(N, C_in, H, W)</param>
    /// <param name="weight">(C_out, C_in/groups, kH, kW)</param>
    /// <param name="bias">(C_out) or null</param>
    /// <param name="stride">(strideH, strideW)</param>
    /// <param name="padding">(padH, padW)</param>
    /// <param name="dilation">(dilationH, dilationW)</param>
    /// <param name="groups">channel groups</param>
    /// <returns>(N, C_out, OutH, OutW)</returns>
    public static Tensor Conv2d(Tensor x, Tensor weight, Tensor? bias, (int H, int W) stride, (int H, int W) padding, (int H, int W) dilation, int groups = 1) =>
        Conv2d(x, weight, bias, Conv2dOptions.Symmetric(stride, padding, dilation, groups));

    /// <summary>2-D convolution with per-side pads (ONNX Conv). OutH = floor((H + padTop + padBottom −
    /// dilationH·(kH − 1) − 1) / strideH) + 1, likewise OutW.</summary>
    /// <param name="x">(N, C_in, H, W), any strides</param>
    /// <param name="weight">(C_out, C_in/groups, kH, kW)</param>
    /// <param name="bias">(C_out) or null</param>
    /// <param name="options">strides, pads, dilations, groups</param>
    /// <returns>(N, C_out, OutH, OutW)</returns>
    [Op("conv2d")]
    public static Tensor Conv2d(Tensor x, Tensor weight, Tensor? bias, Conv2dOptions options)
    {
        var g = Geometry(x, weight, bias, options);
        var xv = Values(x);
        var wv = Values(weight);
        // every output array below is fully written by its kernel: skip the runtime's zeroing of large arrays
        var y = TensorMemory.Uninitialized<float>(checked(g.N * g.OutChannels * g.OutHeight * g.OutWidth));
        var bv = bias is null ? default : Values(bias).Span;
        if (SmallPlaneConv.Fits(g)) SmallPlaneConv.Forward(g, xv.Span, wv.Span, bv, y);
        else Conv2dKernel.Forward(g, xv.Span, wv.Span, bv, y);
        var output = Tensor.Wrap(y, new Shape(g.N, g.OutChannels, g.OutHeight, g.OutWidth));
        Tensor[] inputs = bias is null ? [x, weight] : [x, weight, bias];
        return Tape.Record(output, "conv2d", inputs, dOut =>
        {
            var dy = Values(dOut).Span;
            Tensor? dx = null, dw = null, db = null;
            if (x.RequiresGrad)
            {
                var d = GC.AllocateUninitializedArray<float>(x.Count);
                Conv2dKernel.BackwardInput(g, dy, wv.Span, d);
                dx = Tensor.Wrap(d, x.Shape);
            }
            if (weight.RequiresGrad)
            {
                var d = GC.AllocateUninitializedArray<float>(weight.Count);
                Conv2dKernel.BackwardWeight(g, xv.Span, dy, d);
                dw = Tensor.Wrap(d, weight.Shape);
            }
            if (bias is { RequiresGrad: true })
            {
                var d = new float[bias.Count];
                Conv2dKernel.BackwardBias(g, dy, d);
                db = Tensor.Wrap(d, bias.Shape);
            }
            return bias is null ? [dx, dw] : [dx, dw, db];
        });
    }

    /// <summary>1-D convolution, run as a 2-D one with H = 1.</summary>
    /// <param name="x">(N, C_in, L)</param>
    /// <param name="weight">(C_out, C_in/groups, k)</param>
    /// <param name="bias">(C_out) or null</param>
    /// <param name="stride">stride</param>
    /// <param name="padding">zeros on both ends</param>
    /// <param name="dilation">tap spacing</param>
    /// <param name="groups">channel groups</param>
    /// <returns>(N, C_out, floor((L + 2·padding − dilation·(k − 1) − 1) / stride) + 1)</returns>
    [Op("conv1d")]
    public static Tensor Conv1d(Tensor x, Tensor weight, Tensor? bias = null, int stride = 1, int padding = 0, int dilation = 1, int groups = 1) =>
        Conv1d(x, weight, bias, stride, (padding, padding), dilation, groups);

    /// <summary>1-D convolution with separate left and right padding (ONNX pads = [left, right]).</summary>
    /// <param name="x">(N, C_in, L)</param>
    /// <param name="weight">(C_out, C_in/groups, k)</param>
    /// <param name="bias">(C_out) or null</param>
    /// <param name="stride">stride</param>
    /// <param name="padding">(left, right) zeros</param>
    /// <param name="dilation">tap spacing</param>
    /// <param name="groups">channel groups</param>
    /// <returns>(N, C_out, OutL)</returns>
    public static Tensor Conv1d(Tensor x, Tensor weight, Tensor? bias, int stride, (int Left, int Right) padding, int dilation = 1, int groups = 1)
    {
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(weight);
        if (x.Rank != 3 || weight.Rank != 3)
            throw new ArgumentException($"conv1d expects x (N, C_in, L) and weight (C_out, C_in/groups, k), got x {x.Shape} and weight {weight.Shape}");
        var options = new Conv2dOptions(1, stride, 0, padding.Left, 0, padding.Right, 1, dilation, groups);
        return Conv2d(x.Unsqueeze(2), weight.Unsqueeze(2), bias, options).Squeeze(2);
    }

    private static ConvGeometry Geometry(Tensor x, Tensor weight, Tensor? bias, Conv2dOptions o)
    {
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(weight);
        ArgumentNullException.ThrowIfNull(o);
        // formatted only for an error message: this runs on every call, and small models call it per run
        string Shapes() => $"x {x.Shape}, weight {weight.Shape}" + (bias is null ? "" : $", bias {bias.Shape}");
        if (x.DType != DType.Float32 || weight.DType != DType.Float32 || (bias is not null && bias.DType != DType.Float32))
            throw new ArgumentException($"conv2d needs float32 tensors ({Shapes()})");
        if (x.Rank != 4 || weight.Rank != 4)
            throw new ArgumentException($"conv2d expects x (N, C_in, H, W) and weight (C_out, C_in/groups, kH, kW), got {Shapes()}");
        if (o.StrideH < 1 || o.StrideW < 1 || o.DilationH < 1 || o.DilationW < 1 || o.Groups < 1)
            throw new ArgumentException($"conv2d: stride ({o.StrideH}, {o.StrideW}), dilation ({o.DilationH}, {o.DilationW}) and groups {o.Groups} must be positive ({Shapes()})");
        if (o.PadTop < 0 || o.PadLeft < 0 || o.PadBottom < 0 || o.PadRight < 0)
            throw new ArgumentException($"conv2d: pads ({o.PadTop}, {o.PadLeft}, {o.PadBottom}, {o.PadRight}) must not be negative ({Shapes()})");
        int n = x.Dim(0), c = x.Dim(1), h = x.Dim(2), w = x.Dim(3), k = weight.Dim(0);
        if (c == 0 || h == 0 || w == 0 || weight.Dim(2) == 0 || weight.Dim(3) == 0)
            throw new ArgumentException($"conv2d: only the batch and output channels may be empty ({Shapes()})");
        if (c % o.Groups != 0 || k % o.Groups != 0)
            throw new ArgumentException($"conv2d: C_in {c} and C_out {k} must be divisible by groups {o.Groups} ({Shapes()})");
        if (weight.Dim(1) * o.Groups != c)
            throw new ArgumentException($"conv2d: weight {weight.Shape} with groups {o.Groups} expects {weight.Dim(1) * o.Groups} input channels, x {x.Shape} has {c}");
        if (bias is not null && (bias.Rank != 1 || bias.Dim(0) != k))
            throw new ArgumentException($"conv2d: bias must have shape ({k},) for weight {weight.Shape}, got {bias.Shape}");
        var g = new ConvGeometry(n, c, h, w, k, weight.Dim(2), weight.Dim(3), o.StrideH, o.StrideW,
            o.PadTop, o.PadLeft, o.PadBottom, o.PadRight, o.DilationH, o.DilationW, o.Groups);
        if (g.OutHeight < 1 || g.OutWidth < 1)
            throw new ArgumentException($"conv2d: output size ({g.OutHeight}, {g.OutWidth}) is too small: the dilated kernel does not fit the padded input ({Shapes()})");
        return g;
    }

    /// <summary>The float32 elements in row-major order: the storage itself when contiguous, else a copy.</summary>
    internal static ReadOnlyMemory<float> Values(Tensor t) =>
        t.IsContiguous ? t.TypedStorage<float>().Memory.Slice(t.Offset, t.Count) : t.ToArray<float>();
}
