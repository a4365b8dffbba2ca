namespace Pare.Nn.Training;

/// <summary>Settings of a <see cref="LanguageModelTrainer"/> run, as ../shared/peers/torch_train.py's gpt run.</summary>
/// <param name="Steps">optimizer steps</param>
/// <param name="BatchSize">random windows per step</param>
/// <param name="Context">tokens per window</param>
/// <param name="Seed">seed of the window sampling (validation windows use a generator derived from it)</param>
public sealed record LanguageModelOptions(int Steps, int BatchSize, int Context, ulong Seed)
{
    /// <summary>Learning rate of each step (0-based), set on the optimizer before the step; null keeps the optimizer's.</summary>
    public Func<long, float>? LearningRate { get; init; }

    /// <summary>Random validation windows per evaluation (torch_train.py: 50).</summary>
    public int ValidationBatches { get; init; } = 50;

    /// <summary>Evaluate every this many steps (torch_train.py: 250), and always after the last step.</summary>
    public int EvaluateEvery { get; init; } = 250;
}
