using Pare.Core;
using Pare.Core.Random;
using Pare.Nn.Data;

namespace Pare.Nn.Training;

/// <summary>A classification set: training and test samples, and the augmentation applied to training batches.</summary>
/// <param name="Name">catalog name</param>
/// <param name="Kind">images or word sequences</param>
/// <param name="Train">training samples</param>
/// <param name="Test">test samples (for SST-2, whose test split has no labels, the dev split)</param>
/// <param name="VocabularySize">ids of the word vocabulary (0 for images)</param>
public sealed record ClassificationData(string Name, DataKind Kind, LabeledImages Train, LabeledImages Test, int VocabularySize)
    : TrainingData(Name, Kind)
{
    /// <inheritdoc/>
    public override int VocabularySize { get; } = VocabularySize;

    /// <summary>Applied in place to every training batch (B, ...) with the run's seeded generator; null = none.</summary>
    public Action<Tensor, Rng>? Augment { get; init; }
}
