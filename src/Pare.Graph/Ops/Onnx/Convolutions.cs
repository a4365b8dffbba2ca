using Pare.Core;
using Pare.Core.Ops;
using CoreOps = Pare.Core.Ops;

namespace Pare.Graph.Ops.Onnx;

/// <summary>Conv and ConvTranspose (float32) on the Core convolution ops, so gradients flow: 1-D and 2-D directly,
/// 3-D composed slice by slice (<see cref="DepthSlices"/>).</summary>
internal static class Convolutions
{
    [OnnxOp("Conv")]
    public static Tensor?[] Conv(OpContext c)
    {
        var (x, w, b) = (c.Input(0), c.Input(1), c.OptionalInput(2));
        int spatial = CheckOperands(c, x, w, b);
        var s = Spatial.Read(c, SpatialSizes(x), SpatialSizes(w));
        int groups = Groups(c);
        if (spatial == 1)
            return [CoreOps.Convolution.Conv1d(x, w, b, s.Strides[0], (s.Begin[0], s.End[0]), s.Dilations[0], groups)];
        if (spatial == 3)
            return [AddBias(DepthSlices.Conv3d(x, w, s.Strides, s.Dilations, s.Begin, s.End, groups), b)];
        var options = new Conv2dOptions(s.Strides[0], s.Strides[1], s.Begin[0], s.Begin[1], s.End[0], s.End[1],
            s.Dilations[0], s.Dilations[1], groups);
        return [CoreOps.Convolution.Conv2d(x, w, b, options)];
    }

    /// <summary>The Core options of a 2-D Conv node (operands checked as <see cref="Conv"/> does), or null when the
    /// node is 1-D or 3-D.</summary>
    internal static Conv2dOptions? Options2d(OpContext c)
    {
        var (x, w, b) = (c.Input(0), c.Input(1), c.OptionalInput(2));
        if (CheckOperands(c, x, w, b) != 2) return null;
        var s = Spatial.Read(c, SpatialSizes(x), SpatialSizes(w));
        return new Conv2dOptions(s.Strides[0], s.Strides[1], s.Begin[0], s.Begin[1], s.End[0], s.End[1],
            s.Dilations[0], s.Dilations[1], Groups(c));
    }

    /// <summary>ConvTranspose. Pads come from pads, or from output_shape / auto_pad SAME_* as the spec gives them:
    /// total = stride·(in − 1) + output_padding + dilation·(k − 1) + 1 − out, split with the odd unit at the beginning
    /// unless SAME_UPPER. A negative total (an output larger than the full one) pads the result with zeros.</summary>
    [OnnxOp("ConvTranspose")]
    public static Tensor?[] ConvTranspose(OpContext c)
    {
        var (x, w, b) = (c.Input(0), c.Input(1), c.OptionalInput(2));
        int spatial = CheckOperands(c, x, w, b);
        int groups = Groups(c);
        var a = c.Attributes;
        var size = SpatialSizes(x);
        var kernel = SpatialSizes(w);
        var shape = a.IntArray("kernel_shape");
        if (shape is not null && !shape.AsSpan().SequenceEqual(kernel))
            throw c.Fail($"kernel_shape [{string.Join(", ", shape)}] differs from the weight's [{string.Join(", ", kernel)}]");
        var strides = Spatial.PerAxis(c, "strides", spatial, 1);
        var dilations = Spatial.PerAxis(c, "dilations", spatial, 1);
        var outputPadding = Spatial.PerAxis(c, "output_padding", spatial, 0);
        if (strides.Any(v => v < 1) || dilations.Any(v => v < 1) || outputPadding.Any(v => v < 0))
            throw c.Fail("strides and dilations must be positive, output_padding non-negative");
        string autoPad = a.String("auto_pad", "NOTSET");
        if (autoPad is not ("NOTSET" or "VALID" or "SAME_UPPER" or "SAME_LOWER"))
            throw c.Fail($"auto_pad '{autoPad}' is not one of NOTSET, SAME_UPPER, SAME_LOWER, VALID");
        int[] begin = new int[spatial], end = new int[spatial];
        var outputShape = a.IntArray("output_shape");
        if (outputShape is not null || autoPad is "SAME_UPPER" or "SAME_LOWER")
        {
            if (outputShape is not null && outputShape.Length == spatial + 2) outputShape = outputShape[2..];
            if (outputShape is not null && outputShape.Length != spatial)
                throw c.Fail($"output_shape has {outputShape.Length} values for {spatial} spatial axes");
            for (int i = 0; i < spatial; i++)
            {
                long target = outputShape?[i] ?? (long)size[i] * strides[i];
                long total = (long)strides[i] * (size[i] - 1) + outputPadding[i] + (long)dilations[i] * (kernel[i] - 1) + 1 - target;
                // floor division as in ONNX's reference: a negative total grows the end (NOTSET, SAME_LOWER) or the beginning
                int small = (int)Math.Floor(total / 2.0), large = (int)(total - small);
                (begin[i], end[i]) = autoPad == "SAME_UPPER" ? (small, large) : (large, small);
            }
        }
        else if (autoPad == "NOTSET" && a.IntArray("pads") is { } pads)
        {
            if (pads.Length != 2 * spatial) throw c.Fail($"pads has {pads.Length} values, expected {2 * spatial}");
            if (pads.Any(p => p < 0)) throw c.Fail($"pads [{string.Join(", ", pads)}] must not be negative");
            Array.Copy(pads, begin, spatial);
            Array.Copy(pads, spatial, end, 0, spatial);
        }

        // negative pads grow the output: run with those pads at zero, then pad the result (and add the bias after)
        bool grows = begin.Any(p => p < 0) || end.Any(p => p < 0);
        var bias = grows ? null : b;
        Tensor y;
        if (spatial == 1)
        {
            y = TransposedConvolution.ConvTranspose1d(x, w, bias, strides[0], (Math.Max(0, begin[0]), Math.Max(0, end[0])),
                outputPadding[0], dilations[0], groups);
        }
        else if (spatial == 2)
        {
            var options = new Conv2dOptions(strides[0], strides[1], Math.Max(0, begin[0]), Math.Max(0, begin[1]),
                Math.Max(0, end[0]), Math.Max(0, end[1]), dilations[0], dilations[1], groups);
            y = TransposedConvolution.ConvTranspose2d(x, w, bias, options, (outputPadding[0], outputPadding[1]));
        }
        else
        {
            y = AddBias(DepthSlices.ConvTranspose3d(x, w, strides, dilations, [.. begin.Select(p => Math.Max(0, p))],
                [.. end.Select(p => Math.Max(0, p))], outputPadding, groups), bias);
        }
        if (grows)
        {
            // Core's pads run backwards from the last axis: (left, right, top, bottom)
            var grow = new int[2 * spatial];
            for (int i = 0; i < spatial; i++)
            {
                grow[2 * (spatial - 1 - i)] = Math.Max(0, -begin[i]);
                grow[2 * (spatial - 1 - i) + 1] = Math.Max(0, -end[i]);
            }
            y = AddBias(CoreOps.Assembly.Pad(y, grow), b);
        }
        return [y];
    }

    /// <summary>y (N, C, spatial…) + b (C) on every position; y itself when b is null.</summary>
    private static Tensor AddBias(Tensor y, Tensor? b)
    {
        if (b is null) return y;
        var shape = Enumerable.Repeat(1, y.Rank - 1).ToArray();
        shape[0] = -1;
        return CoreOps.Elementwise.Add(y, b.Reshape(shape));
    }

    /// <summary>Checks dtypes and ranks; returns the number of spatial axes (1 or 2).</summary>
    private static int CheckOperands(OpContext c, Tensor x, Tensor w, Tensor? b)
    {
        if (x.DType != DType.Float32 || w.DType != DType.Float32 || (b is not null && b.DType != DType.Float32))
            throw c.Unsupported($"only float32 is supported, got X {x.DType.Name()}, W {w.DType.Name()}");
        if (x.Rank < 3 || w.Rank != x.Rank) throw c.Fail($"X {x.Shape} and W {w.Shape} must have the same rank, at least 3");
        if (x.Rank > 5) throw c.Unsupported($"{x.Rank - 2}-D convolution is not supported (1-, 2- and 3-D are)");
        if (b is not null && b.Rank != 1) throw c.Fail($"B must be 1-D, got {b.Shape}");
        return x.Rank - 2;
    }

    private static int Groups(OpContext c)
    {
        int groups = c.Attributes.Int32("group", 1);
        return groups >= 1 ? groups : throw c.Fail($"group {groups} must be positive");
    }

    private static int[] SpatialSizes(Tensor t) => t.Shape.Dims[2..].ToArray();
}
