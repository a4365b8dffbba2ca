using Pare.Core;
using Pare.Core.Random;

namespace Pare.Nn.Training;

/// <summary>Settings of a <see cref="Trainer"/> run.</summary>
/// <param name="Epochs">passes over the training set</param>
/// <param name="BatchSize">samples per optimizer step (the last batch of an epoch may be smaller)</param>
/// <param name="Seed">seed of the per-epoch shuffling</param>
public sealed record TrainingOptions(int Epochs, int BatchSize, ulong Seed)
{
    /// <summary>Samples per evaluation batch.</summary>
    public int EvalBatchSize { get; init; } = 1000;

    /// <summary>Applied in place to every training batch (B, ...) with a generator seeded from <see cref="Seed"/>
    /// (e.g. random crops and flips); null = none.</summary>
    public Action<Tensor, Rng>? Augment { get; init; }

    /// <summary>Learning rate of each step (0-based), set on the optimizer before the step; null keeps the
    /// optimizer's.</summary>
    public Func<long, float>? LearningRate { get; init; }
}
