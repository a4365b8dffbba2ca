namespace Pare.Nn.Presets;

/// <summary>Default hyperparameters of a preset. Classifiers train for <see cref="Epochs"/> passes; language models
/// for <see cref="Steps"/> optimizer steps on random windows of <see cref="Context"/> tokens.</summary>
/// <param name="Epochs">passes over the training set (classifiers)</param>
/// <param name="BatchSize">samples (windows for language models) per optimizer step</param>
/// <param name="LearningRate">Adam/AdamW learning rate after warm-up</param>
public sealed record TrainingDefaults(int Epochs, int BatchSize, float LearningRate)
{
    /// <summary>Optimizer steps of a language model; 0 for classifiers.</summary>
    public int Steps { get; init; }

    /// <summary>Tokens per training window of a language model.</summary>
    public int Context { get; init; }

    /// <summary>Steps of linear learning-rate warm-up (PyTorch's LambdaLR min(1, (s+1)/w)); 0 = none.</summary>
    public int WarmupSteps { get; init; }

    /// <summary>Adam's second-moment decay β2.</summary>
    public float Beta2 { get; init; } = 0.999f;

    /// <summary>Weight decay; decoupled (AdamW) when <see cref="DecoupledWeightDecay"/>, else L2 (Adam).</summary>
    public float WeightDecay { get; init; }

    /// <summary>True for AdamW.</summary>
    public bool DecoupledWeightDecay { get; init; }
}
