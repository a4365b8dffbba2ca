using Pare.Core;
using CoreOps = Pare.Core.Ops;

namespace Pare.Graph.Ops.Onnx;

/// <summary>BatchNormalization on (N, C, *): inference normalizes with the running statistics; training_mode = 1
/// (opset ≥ 14) normalizes with the batch's mean and biased variance and also returns the updated running
/// statistics r·momentum + batch·(1 − momentum) (ONNX's momentum weighs the old value, unlike PyTorch's).</summary>
internal static class BatchNormalization
{
    [OnnxOp("BatchNormalization")]
    public static Tensor?[] Run(OpContext c)
    {
        var x = c.Input(0);
        var scale = c.Input(1);
        var bias = c.Input(2);
        var mean = c.Input(3);
        var variance = c.Input(4);
        float eps = c.Attributes.Float("epsilon", 1e-5f);
        if (c.Opset < 9 && c.Attributes.Int("spatial", 1) == 0)
            throw c.Unsupported("spatial = 0 (statistics per activation rather than per channel) is not supported");
        bool training = c.Opset >= 14 && c.Attributes.Int("training_mode", 0) != 0;
        if (c.Opset < 7 && c.Attributes.Int("is_test", 0) == 0 || c.Opset < 14 && Enumerable.Range(1, 4).Any(c.WantsOutput))
            throw c.Unsupported($"training-mode BatchNormalization of opset {c.Opset} (before training_mode in opset 14) is not supported");
        if (x.Rank < 2) throw c.Fail($"input shape {x.Shape} needs at least (N, C)");
        if (!training)
            return [CoreOps.Normalization.BatchNorm(x, mean, variance, scale, bias, training: false, eps: eps)];

        var y = CoreOps.Normalization.BatchNorm(x, null, null, scale, bias, training: true, eps: eps);
        if (!c.WantsOutput(1) && !c.WantsOutput(2)) return [y];
        float momentum = c.Attributes.Float("momentum", 0.9f);
        int[] axes = [0, .. Enumerable.Range(2, x.Rank - 2)];
        var batchMean = CoreOps.Reduce.Mean(x, axes);
        var batchVar = CoreOps.Reduce.Var(x, axes, correction: 0);
        return [y, Blend(mean, batchMean, momentum), Blend(variance, batchVar, momentum)];
    }

    private static Tensor Blend(Tensor running, Tensor batch, float momentum) =>
        CoreOps.Elementwise.Add(CoreOps.Elementwise.Mul(running, momentum), CoreOps.Elementwise.Mul(batch, 1f - momentum));
}
