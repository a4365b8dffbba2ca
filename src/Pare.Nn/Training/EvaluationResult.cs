using Pare.Nn.Checkpoints;

namespace Pare.Nn.Training;

/// <summary>Outcome of <see cref="Evaluation.Run"/>.</summary>
/// <param name="Checkpoint">the checkpoint's metadata</param>
/// <param name="Data">data set evaluated on</param>
/// <param name="Accuracy">test accuracy in [0, 1] (NaN for a language model)</param>
/// <param name="Samples">test samples (validation windows for a language model)</param>
public sealed record EvaluationResult(CheckpointInfo Checkpoint, string Data, double Accuracy, int Samples)
{
    /// <summary>Mean validation cross-entropy of a language model, nats per token (NaN for classifiers).</summary>
    public double ValidationLoss { get; init; } = double.NaN;
}
