using Pare.Core;
using Pare.Core.Kernels.Conv;
using Pare.Core.Ops;

namespace Pare.Graph.Ops.Onnx;

/// <summary>com.microsoft FusedConv (as ONNX Runtime names it): a Conv whose output goes through an activation,
/// applied in place on the freshly computed output. Written only by the inference optimizer
/// (<see cref="Optimization.ConvActivationFusion"/>); the training executor never sees it. Attributes: Conv's, plus
/// activation (Relu, Clip, HardSigmoid, HardSwish, LeakyRelu, Sigmoid, or Pare's ShiftClipMulDiv) and
/// activation_params (Clip: min, max; HardSigmoid: alpha, beta; LeakyRelu: alpha; ShiftClipMulDiv: shift, min,
/// max, divisor). An optional fourth input Z is added to the conv's output (broadcasting like Add) before the
/// activation; Pare's attributes pre_scale and pre_shift multiply and add before Z, output_scale and output_shift (floats) then multiply and add, in that order.</summary>
internal static class FusedConv
{
    [OnnxOp("FusedConv", Domain = "com.microsoft")]
    public static Tensor?[] Run(OpContext c)
    {
        var epilogue = Epilogue(c);
        var z0 = c.OptionalInput(3);
        if (z0 is not null && z0.DType != DType.Float32) throw c.Fail($"Z must be float32, got {z0.DType.Name()}");
        // 2-D with a Z of the output's shape (or none): everything after the sums runs inside the kernel, block by block
        if (Convolutions.Options2d(c) is { } options)
        {
            var stage = new ConvOutputStage(epilogue, Float(c, "pre_scale"), Float(c, "pre_shift"), Float(c, "output_scale"), Float(c, "output_shift"));
            if (z0 is null || z0.Shape == OutputShape(c.Input(0), c.Input(1), options))
                return [Convolution.Conv2dFused(c.Input(0), c.Input(1), c.OptionalInput(2), options, z0, stage)];
            // a Z of one value per output channel ((C_out, 1, 1) or (1, C_out, 1, 1): a bias the exporter wrote as Add)
            // with no bias and nothing between the sums and Z is the bias itself: conv + z[k] is rounded once either way
            if (c.OptionalInput(2) is null && stage.PreScale is null && stage.PreShift is null && ChannelBias(z0, c.Input(1)) is { } bias)
                return [Convolution.Conv2dFused(c.Input(0), c.Input(1), bias, options, null, stage)];
        }
        var y = Convolutions.Conv(c)[0]!;
        if (!y.IsContiguous) y = y.Contiguous();
        Affine(c, y.AsSpan<float>(), "pre_scale", "pre_shift");
        if (z0 is { } z)
        {
            if (z.Shape == y.Shape)
            {
                var ys = y.AsSpan<float>();
                System.Numerics.Tensors.TensorPrimitives.Add(ys, z.Contiguous().AsSpan<float>(), ys);
            }
            else
            {
                y = Pare.Core.Ops.Elementwise.Add(y, z).Contiguous();
            }
        }
        var values = y.AsSpan<float>();
        epilogue.Apply(values);
        Affine(c, values, "output_scale", "output_shift");
        return [y];
    }

    // z as a (C_out) bias when it holds one value per output channel, broadcast over (N,) H and W; else null
    private static Tensor? ChannelBias(Tensor z, Tensor w)
    {
        int cout = w.Dim(0), rank = z.Rank;
        if (rank is < 3 or > 4 || z.Dim(rank - 1) != 1 || z.Dim(rank - 2) != 1 || z.Dim(rank - 3) != cout || (rank == 4 && z.Dim(0) != 1)) return null;
        return z.Contiguous().Reshape(cout);
    }

    private static float? Float(OpContext c, string name) => c.Attributes.Has(name) ? c.Attributes.Float(name, 0f) : null;

    // (N, C_out, OutH, OutW) of a 2-D convolution (a geometry that does not fit gives a shape no Z matches; Conv2dFused reports it)
    private static Shape OutputShape(Tensor x, Tensor w, Conv2dOptions o)
    {
        var g = new ConvGeometry(x.Dim(0), x.Dim(1), x.Dim(2), x.Dim(3), w.Dim(0), w.Dim(2), w.Dim(3), o.StrideH, o.StrideW,
            o.PadTop, o.PadLeft, o.PadBottom, o.PadRight, o.DilationH, o.DilationW, o.Groups);
        return new Shape(x.Dim(0), w.Dim(0), Math.Max(0, g.OutHeight), Math.Max(0, g.OutWidth));
    }

    // values · scale, then + shift, each only when its attribute is present
    private static void Affine(OpContext c, Span<float> values, string scale, string shift)
    {
        if (c.Attributes.Has(scale)) System.Numerics.Tensors.TensorPrimitives.Multiply(values, c.Attributes.Float(scale, 1f), values);
        if (c.Attributes.Has(shift)) System.Numerics.Tensors.TensorPrimitives.Add(values, c.Attributes.Float(shift, 0f), values);
    }

    internal static ConvEpilogue Epilogue(OpContext c)
    {
        var name = c.Attributes.String("activation", "");
        if (name.Length == 0) return ConvEpilogue.Identity;
        var p = c.Attributes.Floats("activation_params") ?? [];
        float P(int i)
        {
            if (i >= p.Length) throw c.Fail($"activation {name} needs {i + 1} activation_params, got {p.Length}");
            return p[i];
        }
        return name switch
        {
            "Relu" => new ConvEpilogue(ConvActivation.Relu),
            "Clip" => new ConvEpilogue(ConvActivation.Clip, P(0), P(1)),
            "HardSigmoid" => new ConvEpilogue(ConvActivation.HardSigmoid, P(0), P(1)),
            "HardSwish" => new ConvEpilogue(ConvActivation.HardSwish),
            "LeakyRelu" => new ConvEpilogue(ConvActivation.LeakyRelu, P(0)),
            "Sigmoid" => new ConvEpilogue(ConvActivation.Sigmoid),
            "ShiftClipMulDiv" => new ConvEpilogue(ConvActivation.ShiftClipMulDiv, P(0), P(1), P(2), P(3)),
            _ => throw c.Unsupported($"FusedConv activation '{name}' is not supported"),
        };
    }
}
