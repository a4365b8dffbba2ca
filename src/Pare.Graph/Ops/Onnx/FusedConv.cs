using Pare.Core;
using Pare.Core.Kernels.Conv;

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
        var y = Convolutions.Conv(c)[0]!;
        if (!y.IsContiguous) y = y.Contiguous();
        Affine(c, y.AsSpan<float>(), "pre_scale", "pre_shift");
        if (c.OptionalInput(3) is { } z)
        {
            if (z.DType != DType.Float32) throw c.Fail($"Z must be float32, got {z.DType.Name()}");
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

    // values · scale, then + shift, each only when its attribute is present
    private static void Affine(OpContext c, Span<float> values, string scale, string shift)
    {
        if (c.Attributes.Has(scale)) System.Numerics.Tensors.TensorPrimitives.Multiply(values, c.Attributes.Float(scale, 1f), values);
        if (c.Attributes.Has(shift)) System.Numerics.Tensors.TensorPrimitives.Add(values, c.Attributes.Float(shift, 0f), values);
    }

    private static ConvEpilogue Epilogue(OpContext c)
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
