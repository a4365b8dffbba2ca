namespace Pare.Nn.Training;

/// <summary>Outcome of a <see cref="TrainingRun"/>.</summary>
/// <param name="Epochs">metrics of each epoch (classifiers; empty for language models)</param>
/// <param name="TestAccuracy">test accuracy after the last epoch, in [0, 1] (NaN for language models)</param>
/// <param name="TotalSeconds">wall time of model building and training</param>
/// <param name="Parameters">number of trainable scalars</param>
public sealed record TrainingResult(IReadOnlyList<EpochMetrics> Epochs, double TestAccuracy, double TotalSeconds, long Parameters)
{
    /// <summary>Metrics of each evaluation of a language model (empty for classifiers).</summary>
    public IReadOnlyList<StepMetrics> Evaluations { get; init; } = [];

    /// <summary>Validation loss after the last step of a language model, nats per token (NaN for classifiers).</summary>
    public double ValidationLoss { get; init; } = double.NaN;

    /// <summary>True when this is a language model's result (<see cref="ValidationLoss"/> is its figure).</summary>
    public bool IsLanguageModel => Evaluations.Count > 0;
}
