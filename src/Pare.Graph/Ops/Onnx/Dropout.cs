using Pare.Core;

namespace Pare.Graph.Ops.Onnx;

/// <summary>Dropout. In inference (no training_mode input, or training_mode false, or any opset before 12) and
/// with ratio 0 it is the identity with an all-kept mask (bool from opset 10, the input's type before).
/// Training-mode dropout with ratio &gt; 0 draws a random mask, which the graph executors do not do yet.</summary>
internal static class Dropout
{
    [OnnxOp("Dropout")]
    public static Tensor?[] Run(OpContext c)
    {
        var x = c.Input(0);
        float ratio = 0.5f;
        bool training = false;
        if (c.Opset >= 12)
        {
            if (c.OptionalInput(1) is { } r) ratio = c.Float(r, "ratio");
            if (c.OptionalInput(2) is { } t)
            {
                if (t.DType != DType.Bool || t.Count != 1) throw c.Fail($"training_mode must be one bool, got {t.DType.Name()} of shape {t.Shape}");
                training = t.ToArray<bool>()[0];
            }
        }
        else
        {
            ratio = c.Attributes.Float("ratio", 0.5f);
        }
        if (!(ratio is >= 0f and < 1f)) throw c.Fail($"ratio {ratio} must be in [0, 1)");
        if (training && ratio > 0f)
            throw c.Unsupported($"training-mode Dropout with ratio {ratio} draws a random mask; Pare's graph executors do not run random dropout");
        if (!c.WantsOutput(1)) return [x];
        var mask = c.Opset >= 10 ? Tensor.Wrap(Enumerable.Repeat(true, x.Count).ToArray(), x.Shape) : Ones(x);
        return [x, mask];
    }

    private static Tensor Ones(Tensor like) =>
        like.DType == DType.Float32 ? Tensor.Ones(like.Shape) : Tensor.Ones(like.Shape).To(like.DType);
}
