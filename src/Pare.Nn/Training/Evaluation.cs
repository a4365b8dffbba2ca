using Pare.Core.Random;
using Pare.Nn.Checkpoints;
using Pare.Nn.Presets;

namespace Pare.Nn.Training;

/// <summary>Evaluates a saved checkpoint, as <c>pare eval</c> does.</summary>
public static class Evaluation
{
    /// <summary>Loads the checkpoint in <paramref name="checkpointDirectory"/> and measures its test accuracy
    /// on <paramref name="data"/> (default: the data set it was trained on).</summary>
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
        var (_, test) = ImageDataCatalog.Load(name);
        var model = preset.Create(new Rng(0));
        Checkpoint.Load(checkpointDirectory, model);
        return new EvaluationResult(info, name, Trainer.Evaluate(model, test), test.Count);
    }
}

/// <summary>Outcome of <see cref="Evaluation.Run"/>.</summary>
/// <param name="Checkpoint">the checkpoint's metadata</param>
/// <param name="Data">data set evaluated on</param>
/// <param name="Accuracy">test accuracy in [0, 1]</param>
/// <param name="Samples">test samples</param>
public sealed record EvaluationResult(CheckpointInfo Checkpoint, string Data, double Accuracy, int Samples);
