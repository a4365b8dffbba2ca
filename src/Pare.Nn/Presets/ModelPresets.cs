using Pare.Core.Random;
using Pare.Nn.Modules;

namespace Pare.Nn.Presets;

/// <summary>The registry of model presets by name. To add one, add an entry to <see cref="All"/> whose factory
/// lives in its own file.</summary>
public static class ModelPresets
{
    /// <summary>Hyperparameters of ../shared/peers/torch_train.py for mlp and cnn: Adam lr 1e-3, batch 128, 10 epochs.</summary>
    public static readonly TrainingDefaults ImageClassifierDefaults = new(Epochs: 10, BatchSize: 128, LearningRate: 1e-3f);

    /// <summary>Every preset by name (ordinal, case-sensitive).</summary>
    public static IReadOnlyDictionary<string, ModelPreset> All { get; } = new[]
    {
        new ModelPreset("mlp", "Flatten, Linear 784→512, ReLU, Linear 512→256, ReLU, Linear 256→10", ImageClassifiers.Mlp, ImageClassifierDefaults),
        new ModelPreset("cnn", "two 3×3 conv + max-pool blocks (32, 64 channels), Linear 3136→128, ReLU, Linear 128→10", ImageClassifiers.Cnn, ImageClassifierDefaults),
    }.ToDictionary(p => p.Name, StringComparer.Ordinal);

    /// <summary>The preset called <paramref name="name"/>.</summary>
    /// <exception cref="ArgumentException">unknown name; the message lists the known ones</exception>
    public static ModelPreset Get(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        return All.TryGetValue(name, out var preset)
            ? preset
            : throw new ArgumentException($"unknown model '{name}'; known models: {string.Join(", ", All.Keys)}", nameof(name));
    }

    /// <summary>A freshly initialized model of preset <paramref name="name"/>.</summary>
    /// <exception cref="ArgumentException">unknown name; the message lists the known ones</exception>
    public static Module Create(string name, Rng rng)
    {
        ArgumentNullException.ThrowIfNull(rng);
        return Get(name).Create(rng);
    }
}
