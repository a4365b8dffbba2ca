using Pare.Core;
using Pare.Core.Kernels.Conv;

namespace Pare.Graph.Ops.Onnx;

/// <summary>com.microsoft FusedConv (as ONNX Runtime names it): a Conv whose output goes through an activation,
/// applied in place on the freshly computed output. Written only by the inference optimizer
/// (<see cref="Optimization.ConvActivationFusion"/>); the training executor never sees it. Attributes: Conv's, plus
/// activation (Relu, Clip, HardSigmoid, HardSwish, LeakyRelu, Sigmoid, or Pare's ShiftClipMulDiv) and
/// activation_params (Clip: min, max; HardSigmoid: alpha, beta; LeakyRelu: alpha; ShiftClipMulDiv: shift, min,
/// max, divisor).</summary>
internal static class FusedConv
{
    [OnnxOp("FusedConv", Domain = "com.microsoft")]
    public static Tensor?[] Run(OpContext c)
    {
        var epilogue = Epilogue(c);
        var y = Convolutions.Conv(c)[0]!;
        if (!y.IsContiguous) y = y.Contiguous();
        epilogue.Apply(y.AsSpan<float>());
        return [y];
    }

    private static ConvEpilogue Epilogue(OpContext c)
    {
        var name = c.Attributes.String("activation", "");
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
