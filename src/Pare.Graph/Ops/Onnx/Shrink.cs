using Pare.Core;
using CoreOps = Pare.Core.Ops;

namespace Pare.Graph.Ops.Onnx;

/// <summary>Shrink (opset 9): y = x + bias below −lambd, x − bias above lambd, 0 between; on Core ops so the
/// gradient (1 outside the band, 0 inside) flows.</summary>
internal static class Shrink
{
    [OnnxOp("Shrink", SinceVersion = 9)]
    public static Tensor?[] Run(OpContext c)
    {
        var x = c.Input(0);
        if (x.DType != DType.Float32) throw c.Unsupported($"only float32 is supported, got {x.DType.Name()}");
        float lambd = c.Attributes.Float("lambd", 0.5f), bias = c.Attributes.Float("bias", 0f);
        var zero = Tensor.Scalar(0f);
        var above = CoreOps.Elementwise.Where(CoreOps.Elementwise.Greater(x, Tensor.Scalar(lambd)), CoreOps.Elementwise.Sub(x, bias), zero);
        return [CoreOps.Elementwise.Where(CoreOps.Elementwise.Less(x, Tensor.Scalar(-lambd)), CoreOps.Elementwise.Add(x, bias), above)];
    }
}
