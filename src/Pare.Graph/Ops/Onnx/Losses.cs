using Pare.Core;
using Pare.Core.Ops;

namespace Pare.Graph.Ops.Onnx;

/// <summary>NegativeLogLikelihoodLoss and SoftmaxCrossEntropyLoss (opset 12+), composed of Core ops (gather along
/// the class axis, class weights, an ignore mask, then the reduction), so a training graph that ends in them
/// back-propagates.</summary>
internal static class Losses
{
    [OnnxOp("NegativeLogLikelihoodLoss", SinceVersion = 12)]
    public static Tensor?[] NegativeLogLikelihoodLoss(OpContext c) =>
        [Nll(c, c.Input(0), c.Input(1), c.OptionalInput(2))];

    [OnnxOp("SoftmaxCrossEntropyLoss", SinceVersion = 12)]
    public static Tensor?[] SoftmaxCrossEntropyLoss(OpContext c)
    {
        var scores = c.Input(0);
        if (scores.Rank < 2) throw c.Fail($"scores must be (N, C, ...), got {scores.Shape}");
        var logProb = SoftmaxOps.LogSoftmax(scores, 1);
        return [Nll(c, logProb, c.Input(1), c.OptionalInput(2)), logProb];
    }

    /// <summary>−input[n, target[n, d…], d…] · weight[target], reduced by the node's "reduction" (mean divides by
    /// the summed weights of the counted targets, as ONNX specifies).</summary>
    private static Tensor Nll(OpContext c, Tensor input, Tensor target, Tensor? weight)
    {
        if (input.DType != DType.Float32) throw c.Unsupported($"input of type {input.DType.Name()} is not supported");
        if (input.Rank < 2) throw c.Fail($"input must be (N, C, ...), got {input.Shape}");
        var reduction = c.Attributes.String("reduction", "mean");
        if (reduction is not ("mean" or "sum" or "none")) throw c.Fail($"reduction '{reduction}' must be mean, sum or none");
        var classes = input.Shape[1];
        var expected = input.Shape.Where((_, axis) => axis != 1).ToArray();
        if (!target.Shape.SequenceEqual(expected)) throw c.Fail($"target shape {target.Shape} does not fit input {input.Shape}");
        var labels = c.Longs(target, "target");
        var ignore = c.Attributes.Find("ignore_index") is { } ii ? ii.I : (long?)null;
        var safe = new long[labels.Length];
        var keep = new float[labels.Length];
        var classWeights = weight?.Contiguous().AsSpan<float>().ToArray();
        if (classWeights is not null && classWeights.Length != classes) throw c.Fail($"weight has {classWeights.Length} values, input has {classes} classes");
        for (var i = 0; i < labels.Length; i++)
        {
            if (labels[i] == ignore) continue;
            if (labels[i] < 0 || labels[i] >= classes) throw c.Fail($"target value {labels[i]} is outside [0, {classes})");
            safe[i] = labels[i];
            keep[i] = classWeights is null ? 1f : classWeights[labels[i]];
        }
        var indexShape = target.Shape.ToArray().ToList();
        indexShape.Insert(1, 1);
        var picked = Indexing.Gather(input, 1, Tensor.Wrap(safe, new Shape([.. indexShape]))).Squeeze(1);
        var w = Tensor.Wrap(keep, target.Shape);
        var loss = Elementwise.Neg(Elementwise.Mul(picked, w));
        return reduction switch
        {
            "none" => loss,
            "sum" => Reduce.Sum(loss),
            _ => Elementwise.Div(Reduce.Sum(loss), Tensor.Scalar(keep.Sum())),
        };
    }
}
