using Pare.Core.Random;
using Pare.Nn.Checkpoints;
using Pare.Nn.Presets;

namespace Pare.Nn.Training;

/// <summary>Evaluates a saved checkpoint, as <c>pare eval</c> does: a classifier's test accuracy, or a language
/// model's validation loss.</summary>
public static class Evaluation
{
    /// <summary>Seed of the validation windows of <c>pare eval</c>, so that repeated evaluations agree.</summary>
    public const ulong ValidationSeed = 0;

    /// <summary>Loads the checkpoint in <paramref name="checkpointDirectory"/> and measures it on
    /// <paramref name="data"/> (default: the data set it was trained on).</summary>
    /// <exception cref="ArgumentException">unknown data set, or one the model does not fit</exception>
    /// <exception cref="FileNotFoundException">checkpoint or data file missing</exception>
    /// <exception cref="InvalidDataException">checkpoint or data file corrupt</exception>
    /// <exception cref="CheckpointMismatchException">the weights do not fit the preset named in the checkpoint</exception>
    public static EvaluationResult Run(string checkpointDirectory, string? data = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(checkpointDirectory);
        if (!Directory.Exists(checkpointDirectory))
            throw new DirectoryNotFoundException($"checkpoint folder not found: {checkpointDirectory}");
        var info = Checkpoint.ReadInfo(checkpointDirectory);
        if (!ModelPresets.All.TryGetValue(info.Preset, out var preset))
            throw new InvalidDataException($"{Path.Combine(checkpointDirectory, Checkpoint.ModelFile)}: unknown model preset '{info.Preset}' in its metadata; known: {string.Join(", ", ModelPresets.All.Keys)}");
        var name = data ?? info.Data;
        preset.CheckFits(DataCatalog.Get(name));
        var loaded = DataCatalog.Load(name);
        var model = preset.Create(new Rng(0), loaded.VocabularySize);
        Checkpoint.Load(checkpointDirectory, model);
        if (loaded is CorpusData corpus)
        {
            var d = preset.Defaults;
            const int Batches = 50;
            double loss = LanguageModelTrainer.ValidationLoss(model, corpus.Corpus.Validation, Batches, d.BatchSize, d.Context, new Rng(ValidationSeed));
            return new EvaluationResult(info, name, double.NaN, Batches * d.BatchSize) { ValidationLoss = loss };
        }
        var test = ((ClassificationData)loaded).Test;
        return new EvaluationResult(info, name, Trainer.Evaluate(model, test), test.Count);
    }
}
