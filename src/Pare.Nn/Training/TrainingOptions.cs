namespace Pare.Nn.Training;

/// <summary>Settings of a <see cref="Trainer"/> run.</summary>
/// <param name="Epochs">passes over the training set</param>
/// <param name="BatchSize">samples per optimizer step (the last batch of an epoch may be smaller)</param>
/// <param name="Seed">seed of the per-epoch shuffling</param>
public sealed record TrainingOptions(int Epochs, int BatchSize, ulong Seed)
{
    /// <summary>Samples per evaluation batch.</summary>
    public int EvalBatchSize { get; init; } = 1000;
}
