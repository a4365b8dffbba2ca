using Pare.Core;
using Pare.Core.Kernels.Conv;
using Pare.Core.Ops;

namespace Pare.Graph.Ops.Onnx;

/// <summary>com.pare FusedConvTranspose: a 2-D ConvTranspose (attributes strides, pads, dilations, group,
/// output_padding; no auto_pad or output_shape) whose output goes through an activation (activation and
/// activation_params as in com.microsoft FusedConv), applied row by row inside the kernel. Written only by the
/// inference optimizer (<see cref="Optimization.ConvTransposeFusion"/>); the training executor never sees it.</summary>
internal static class FusedConvTranspose
{
    /// <summary>Domain of the op (Pare's own inference-only ops).</summary>
    public const string Domain = QuantizedLookup.Domain;

    [OnnxOp("FusedConvTranspose", Domain = Domain)]
    public static Tensor?[] Run(OpContext c)
    {
        var (x, w, b) = (c.Input(0), c.Input(1), c.OptionalInput(2));
        if (x.DType != DType.Float32 || w.DType != DType.Float32 || b is { DType: not DType.Float32 })
            throw c.Fail($"needs float32 operands, got x {x.DType.Name()}, w {w.DType.Name()}" + (b is null ? "" : $", b {b.DType.Name()}"));
        if (x.Rank != 4 || w.Rank != 4) throw c.Fail($"needs a 2-D x (N, C, H, W) and w (C, M/group, kH, kW), got {x.Shape} and {w.Shape}");
        var a = c.Attributes;
        if (a.String("auto_pad", "NOTSET") != "NOTSET" || a.Has("output_shape"))
            throw c.Unsupported("auto_pad and output_shape are not supported (the optimizer never writes them)");
        var strides = Spatial.PerAxis(c, "strides", 2, 1);
        var dilations = Spatial.PerAxis(c, "dilations", 2, 1);
        var outputPadding = Spatial.PerAxis(c, "output_padding", 2, 0);
        var pads = a.IntArray("pads") ?? [0, 0, 0, 0];
        if (pads.Length != 4 || pads.Any(p => p < 0)) throw c.Fail($"pads [{string.Join(", ", pads)}] must be 4 non-negative values");
        var options = new Conv2dOptions(strides[0], strides[1], pads[0], pads[1], pads[2], pads[3], dilations[0], dilations[1], (int)a.Int("group", 1));
        var stage = new ConvOutputStage(FusedConv.Epilogue(c));
        // geometry errors (channels, output padding) come back as ArgumentExceptions that the runner names the node in
        return [TransposedConvolution.ConvTranspose2dFused(x, w, b, options, (outputPadding[0], outputPadding[1]), stage)];
    }
}
