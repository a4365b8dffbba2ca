using Pare.Core.Autograd;
using Pare.Core.Kernels.Conv;

namespace Pare.Core.Ops;

/// <summary>Transposed convolutions (PyTorch's conv_transpose2d, ONNX ConvTranspose): the gradient of a convolution
/// with respect to its input, used as a layer. A transposed convolution of x (N, C_in, H, W) with weight
/// (C_in, C_out/groups, kH, kW) is the input gradient of the convolution that maps (N, C_out, OutH, OutW) to
/// (N, C_in, H, W) with the same weight, so it runs on <see cref="Conv2dKernel"/>'s kernels: forward =
/// BackwardInput, dx = Forward, dw = BackwardWeight with the roles of x and dy swapped.</summary>
public static partial class TransposedConvolution
{
    /// <summary>2-D transposed convolution. OutH = strideH·(H − 1) + outputPaddingH + dilationH·(kH − 1) + 1 −
    /// padTop − padBottom, likewise OutW; pads crop the full output, output padding adds rows at the bottom/right.</summary>
    /// <param name="x">(N, C_in, H, W), any strides</param>
    /// <param name="weight">(C_in, C_out/groups, kH, kW)</param>
    /// <param name="bias">(C_out) or null</param>
    /// <param name="options">strides, pads (cropped from the full output), dilations, groups</param>
    /// <param name="outputPadding">(rows, columns) added at the bottom and right; each must be smaller than its stride or dilation</param>
    /// <returns>(N, C_out, OutH, OutW)</returns>
    [Op("conv_transpose2d")]
    public static Tensor ConvTranspose2d(Tensor x, Tensor weight, Tensor? bias, Conv2dOptions options, (int H, int W) outputPadding = default)
    {
        var g = Geometry(x, weight, bias, options, outputPadding);
        var xv = Convolution.Values(x);
        var wv = Convolution.Values(weight);
        int plane = g.InHeight * g.InWidth;
        var y = TensorMemory.Uninitialized<float>(checked((int)(g.N * g.InChannels * plane)));
        // the transposed convolution's output is the inner convolution's input
        TransposedConv2dKernel.Forward(g, xv.Span, wv.Span, bias is null ? default : Convolution.Values(bias).Span, null, y);
        var output = Tensor.Wrap(y, new Shape(g.N, g.InChannels, g.InHeight, g.InWidth));
        Tensor[] inputs = bias is null ? [x, weight] : [x, weight, bias];
        return Tape.Record(output, "conv_transpose2d", inputs, dOut =>
        {
            var dy = Convolution.Values(dOut).Span;
            Tensor? dx = null, dw = null, db = null;
            if (x.RequiresGrad)
            {
                var d = new float[x.Count];
                Conv2dKernel.Forward(g, dy, wv.Span, default, d);
                dx = Tensor.Wrap(d, x.Shape);
            }
            if (weight.RequiresGrad)
            {
                var d = new float[weight.Count];
                Conv2dKernel.BackwardWeight(g, dy, xv.Span, d);
                dw = Tensor.Wrap(d, weight.Shape);
            }
            if (bias is { RequiresGrad: true })
            {
                var d = new float[bias.Count];
                SumPlanes(dy, g.N, g.InChannels, plane, d);
                db = Tensor.Wrap(d, bias.Shape);
            }
            return bias is null ? [dx, dw] : [dx, dw, db];
        });
    }

    /// <summary>1-D transposed convolution, run as a 2-D one with H = 1.</summary>
    /// <param name="x">(N, C_in, L)</param>
    /// <param name="weight">(C_in, C_out/groups, k)</param>
    /// <param name="bias">(C_out) or null</param>
    /// <param name="stride">stride</param>
    /// <param name="padding">(left, right) cropped from the full output</param>
    /// <param name="outputPadding">elements added at the right end</param>
    /// <param name="dilation">tap spacing</param>
    /// <param name="groups">channel groups</param>
    /// <returns>(N, C_out, stride·(L − 1) + outputPadding + dilation·(k − 1) + 1 − left − right)</returns>
    [Op("conv_transpose1d")]
    public static Tensor ConvTranspose1d(Tensor x, Tensor weight, Tensor? bias, int stride, (int Left, int Right) padding, int outputPadding = 0, int dilation = 1, int groups = 1)
    {
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(weight);
        if (x.Rank != 3 || weight.Rank != 3)
            throw new ArgumentException($"conv_transpose1d expects x (N, C_in, L) and weight (C_in, C_out/groups, k), got x {x.Shape} and weight {weight.Shape}");
        var options = new Conv2dOptions(1, stride, 0, padding.Left, 0, padding.Right, 1, dilation, groups);
        return ConvTranspose2d(x.Unsqueeze(2), weight.Unsqueeze(2), bias, options, (0, outputPadding)).Squeeze(2);
    }

    /// <summary>The geometry of the inner convolution: its input is this op's output (C_out channels, OutH × OutW),
    /// its output this op's input.</summary>
    internal static ConvGeometry Geometry(Tensor x, Tensor weight, Tensor? bias, Conv2dOptions o, (int H, int W) op)
    {
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(weight);
        ArgumentNullException.ThrowIfNull(o);
        string shapes = $"x {x.Shape}, weight {weight.Shape}" + (bias is null ? "" : $", bias {bias.Shape}");
        if (x.DType != DType.Float32 || weight.DType != DType.Float32 || (bias is not null && bias.DType != DType.Float32))
            throw new ArgumentException($"conv_transpose2d needs float32 tensors ({shapes})");
        if (x.Rank != 4 || weight.Rank != 4)
            throw new ArgumentException($"conv_transpose2d expects x (N, C_in, H, W) and weight (C_in, C_out/groups, kH, kW), got {shapes}");
        if (o.StrideH < 1 || o.StrideW < 1 || o.DilationH < 1 || o.DilationW < 1 || o.Groups < 1)
            throw new ArgumentException($"conv_transpose2d: stride ({o.StrideH}, {o.StrideW}), dilation ({o.DilationH}, {o.DilationW}) and groups {o.Groups} must be positive ({shapes})");
        if (o.PadTop < 0 || o.PadLeft < 0 || o.PadBottom < 0 || o.PadRight < 0)
            throw new ArgumentException($"conv_transpose2d: pads ({o.PadTop}, {o.PadLeft}, {o.PadBottom}, {o.PadRight}) must not be negative ({shapes})");
        if (op.H < 0 || op.W < 0 || (op.H >= o.StrideH && op.H >= o.DilationH) || (op.W >= o.StrideW && op.W >= o.DilationW))
            throw new ArgumentException($"conv_transpose2d: output padding ({op.H}, {op.W}) must be non-negative and smaller than the stride or the dilation ({shapes})");
        int n = x.Dim(0), c = x.Dim(1), h = x.Dim(2), w = x.Dim(3), kh = weight.Dim(2), kw = weight.Dim(3);
        if (c == 0 || h == 0 || w == 0 || kh == 0 || kw == 0)
            throw new ArgumentException($"conv_transpose2d: only the batch and output channels may be empty ({shapes})");
        if (weight.Dim(0) != c || c % o.Groups != 0)
            throw new ArgumentException($"conv_transpose2d: weight {weight.Shape} needs {c} input channels (divisible by groups {o.Groups}) for x {x.Shape}");
        int outChannels = weight.Dim(1) * o.Groups;
        if (bias is not null && (bias.Rank != 1 || bias.Dim(0) != outChannels))
            throw new ArgumentException($"conv_transpose2d: bias must have shape ({outChannels},) for weight {weight.Shape} and groups {o.Groups}, got {bias.Shape}");
        long outH = (long)o.StrideH * (h - 1) + op.H + (long)o.DilationH * (kh - 1) + 1 - o.PadTop - o.PadBottom;
        long outW = (long)o.StrideW * (w - 1) + op.W + (long)o.DilationW * (kw - 1) + 1 - o.PadLeft - o.PadRight;
        if (outH < 1 || outW < 1 || outH > int.MaxValue || outW > int.MaxValue)
            throw new ArgumentException($"conv_transpose2d: output size ({outH}, {outW}) is invalid: the pads crop away the whole output ({shapes})");
        var g = new ConvGeometry(n, outChannels, (int)outH, (int)outW, c, kh, kw, o.StrideH, o.StrideW,
            o.PadTop, o.PadLeft, o.PadBottom, o.PadRight, o.DilationH, o.DilationW, o.Groups);
        // the inner convolution must map the output back to exactly (H, W): true whenever output padding < stride
        if (g.OutHeight != h || g.OutWidth != w)
            throw new ArgumentException($"conv_transpose2d: output padding ({op.H}, {op.W}) must be smaller than the stride ({o.StrideH}, {o.StrideW}) ({shapes})");
        return g;
    }

    // db[c] = Σ over n and the plane of dy[n, c, :]
    private static void SumPlanes(ReadOnlySpan<float> dy, int n, int channels, int plane, Span<float> db)
    {
        db.Clear();
        for (int i = 0; i < n; i++)
            for (int c = 0; c < channels; c++)
                db[c] += System.Numerics.Tensors.TensorPrimitives.Sum(dy.Slice((i * channels + c) * plane, plane));
    }
}
