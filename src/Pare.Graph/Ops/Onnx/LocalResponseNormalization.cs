using Pare.Core;
using CoreOps = Pare.Core.Ops;

namespace Pare.Graph.Ops.Onnx;

/// <summary>LRN across channels: y = x / (bias + alpha/size · Σ x²)^beta, the sum over the channel window
/// [c − ⌊(size−1)/2⌋, c + ⌈(size−1)/2⌉] clipped to [0, C). Built from Core ops (zero-padded channel slices) so
/// gradients flow.</summary>
internal static class LocalResponseNormalization
{
    [OnnxOp("LRN")]
    public static Tensor?[] Lrn(OpContext c)
    {
        var x = c.Input(0);
        if (x.Rank < 3) throw c.Fail($"input shape {x.Shape} needs at least (N, C, D1)");
        int size = c.Attributes.Int32("size", 0);
        if (size < 1) throw c.Fail($"size {size} must be a positive window length");
        float alpha = c.Attributes.Float("alpha", 1e-4f);
        float beta = c.Attributes.Float("beta", 0.75f);
        float bias = c.Attributes.Float("bias", 1f);
        int channels = x.Shape.Dims[1];
        int before = (size - 1) / 2, after = size - 1 - before;
        var square = CoreOps.Elementwise.Mul(x, x);
        var parts = new List<Tensor>();
        if (before > 0) parts.Add(Tensor.Zeros(x.Shape.With(1, before)));
        parts.Add(square);
        if (after > 0) parts.Add(Tensor.Zeros(x.Shape.With(1, after)));
        var padded = parts.Count == 1 ? square : CoreOps.Assembly.Concat(parts, axis: 1);
        var sum = padded.Slice(1, 0, channels);
        for (int k = 1; k < size; k++) sum = CoreOps.Elementwise.Add(sum, padded.Slice(1, k, k + channels));
        var denominator = CoreOps.Elementwise.Pow(CoreOps.Elementwise.Add(CoreOps.Elementwise.Mul(sum, alpha / size), bias), beta);
        return [CoreOps.Elementwise.Div(x, denominator)];
    }
}
