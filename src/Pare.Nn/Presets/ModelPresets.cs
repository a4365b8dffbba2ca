using Pare.Core.Random;
using Pare.Nn.Modules;
using Pare.Nn.Training;

namespace Pare.Nn.Presets;

/// <summary>The registry of model presets by name. To add one, add an entry to <see cref="All"/> whose factory
/// lives in its own file.</summary>
public static class ModelPresets
{
    /// <summary>Hyperparameters of ../shared/peers/torch_train.py for mlp and cnn: Adam lr 1e-3, batch 128, 10 epochs.</summary>
    public static readonly TrainingDefaults ImageClassifierDefaults = new(Epochs: 10, BatchSize: 128, LearningRate: 1e-3f);

    /// <summary>Hyperparameters of ../shared/peers/torch_train.py for gpt: AdamW lr 1e-3, betas (0.9, 0.99), weight
    /// decay 0.1, batch 32, context 128, 2000 steps, linear warm-up over 100 steps then constant.</summary>
    public static readonly TrainingDefaults LanguageModelDefaults = new(Epochs: 0, BatchSize: 32, LearningRate: 1e-3f)
    {
        Steps = 2000, Context = 128, WarmupSteps = 100, Beta2 = 0.99f, WeightDecay = 0.1f, DecoupledWeightDecay = true,
    };

    /// <summary>transformer-cls on SST-2 (no peer run to copy): AdamW lr 5e-4, weight decay 0.01, batch 64, 3 epochs,
    /// warm-up over 100 steps — the usual recipe for a small transformer trained from scratch.</summary>
    public static readonly TrainingDefaults SentenceClassifierDefaults = new(Epochs: 3, BatchSize: 64, LearningRate: 5e-4f)
    {
        WarmupSteps = 100, WeightDecay = 0.01f, DecoupledWeightDecay = true,
    };

    /// <summary>Every preset by name (ordinal, case-sensitive).</summary>
    public static IReadOnlyDictionary<string, ModelPreset> All { get; } = new[]
    {
        new ModelPreset("mlp", "Flatten, Linear 784→512, ReLU, Linear 512→256, ReLU, Linear 256→10", DataKind.Gray28Images,
            (rng, _) => ImageClassifiers.Mlp(rng), ImageClassifierDefaults),
        new ModelPreset("cnn", "two 3×3 conv + max-pool blocks (32, 64 channels), Linear 3136→128, ReLU, Linear 128→10", DataKind.Gray28Images,
            (rng, _) => ImageClassifiers.Cnn(rng), ImageClassifierDefaults),
        new ModelPreset("cnn-bn", "cnn with a BatchNorm after each conv (for data-free quantization, which matches BatchNorm statistics)",
            DataKind.Gray28Images, (rng, _) => ImageClassifiers.CnnBn(rng), ImageClassifierDefaults),
        new ModelPreset("resnet-small", "CIFAR ResNet: 3×3 stem, three stages of two residual blocks (16, 32, 64 channels), global pool, Linear 64→10",
            DataKind.Rgb32Images, (rng, _) => ResNetSmall.Create(rng), ImageClassifierDefaults),
        new ModelPreset("transformer-cls", "word embeddings, 2 pre-norm transformer blocks (d 128, 4 heads), masked mean pool, Linear 128→2",
            DataKind.WordSequences, (rng, vocab) => TransformerClassifier.Create(rng, vocab), SentenceClassifierDefaults),
        new ModelPreset("gpt-char", "character decoder: 4 pre-norm causal transformer blocks (d 128, 4 heads), context 128", DataKind.CharText,
            (rng, vocab) => new GptChar(rng, vocab), LanguageModelDefaults),
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
    /// <param name="name">preset name</param>
    /// <param name="rng">initialization generator</param>
    /// <param name="vocabularySize">the data set's vocabulary size; required by text models</param>
    /// <exception cref="ArgumentException">unknown name (the message lists the known ones), or a text model without a vocabulary size</exception>
    public static Module Create(string name, Rng rng, int vocabularySize = 0) => Get(name).Create(rng, vocabularySize);
}
