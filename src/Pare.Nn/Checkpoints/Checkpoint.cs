using System.Globalization;
using Pare.Core.Serialization;
using Pare.Nn.Modules;
using Pare.Nn.Optim;

namespace Pare.Nn.Checkpoints;

/// <summary>A training checkpoint: a folder with <c>model.safetensors</c> (the model's state dict plus
/// <see cref="CheckpointInfo"/> as metadata) and <c>optimizer.safetensors</c> (the optimizer's state). Each file
/// is written atomically; equal states give byte-identical files.</summary>
public static class Checkpoint
{
    /// <summary>File name of the model weights.</summary>
    public const string ModelFile = "model.safetensors";

    /// <summary>File name of the optimizer state.</summary>
    public const string OptimizerFile = "optimizer.safetensors";

    private const string PresetKey = "pare.preset", DataKey = "pare.data", EpochKey = "pare.epoch", SeedKey = "pare.seed", StepsKey = "pare.steps";

    /// <summary>Writes the checkpoint into <paramref name="directory"/> (created if needed). The optimizer file
    /// is written first, so a reader that finds model.safetensors for epoch k also finds its optimizer state.</summary>
    public static void Save(string directory, Module model, Optimizer? optimizer, CheckpointInfo info)
    {
        ArgumentException.ThrowIfNullOrEmpty(directory);
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(info);
        Directory.CreateDirectory(directory);
        if (optimizer is not null) SafeTensors.Write(Path.Combine(directory, OptimizerFile), optimizer.StateDict());
        var metadata = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            [PresetKey] = info.Preset,
            [DataKey] = info.Data,
            [EpochKey] = info.Epoch.ToString(CultureInfo.InvariantCulture),
            [SeedKey] = info.Seed.ToString(CultureInfo.InvariantCulture),
        };
        if (info.Steps != 0) metadata[StepsKey] = info.Steps.ToString(CultureInfo.InvariantCulture);
        SafeTensors.Write(Path.Combine(directory, ModelFile), model.StateDict(), metadata);
    }

    /// <summary>Reads only the metadata of the checkpoint in <paramref name="directory"/>.</summary>
    /// <exception cref="FileNotFoundException">no model.safetensors there</exception>
    /// <exception cref="InvalidDataException">the file is corrupt or lacks Pare's metadata</exception>
    public static CheckpointInfo ReadInfo(string directory)
    {
        ArgumentException.ThrowIfNullOrEmpty(directory);
        var path = Path.Combine(directory, ModelFile);
        return ParseInfo(path, SafeTensors.Read(path).Metadata);
    }

    /// <summary>Loads the model weights (and optimizer state when <paramref name="optimizer"/> is given and the
    /// file exists) from <paramref name="directory"/>.</summary>
    /// <returns>the checkpoint's metadata</returns>
    /// <exception cref="CheckpointMismatchException">names, shapes or dtypes differ; the message lists each one</exception>
    public static CheckpointInfo Load(string directory, Module model, Optimizer? optimizer = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(directory);
        ArgumentNullException.ThrowIfNull(model);
        var path = Path.Combine(directory, ModelFile);
        var (tensors, metadata) = SafeTensors.Read(path);
        var info = ParseInfo(path, metadata);
        try
        {
            model.LoadStateDict(tensors);
        }
        catch (ArgumentException e)
        {
            throw new CheckpointMismatchException($"{path} (model '{info.Preset}'): {e.Message}", e);
        }
        var optimizerPath = Path.Combine(directory, OptimizerFile);
        if (optimizer is not null && File.Exists(optimizerPath))
        {
            try
            {
                optimizer.LoadStateDict(SafeTensors.Read(optimizerPath).Tensors);
            }
            catch (ArgumentException e)
            {
                throw new CheckpointMismatchException($"{optimizerPath}: {e.Message}", e);
            }
        }
        return info;
    }

    private static CheckpointInfo ParseInfo(string path, Dictionary<string, string> metadata)
    {
        string Field(string key) => metadata.TryGetValue(key, out var v)
            ? v
            : throw new InvalidDataException($"{path}: metadata field '{key}' is missing (not a Pare checkpoint?)");
        var preset = Field(PresetKey);
        var data = Field(DataKey);
        var epochText = Field(EpochKey);
        var seedText = Field(SeedKey);
        if (!int.TryParse(epochText, NumberStyles.None, CultureInfo.InvariantCulture, out int epoch))
            throw new InvalidDataException($"{path}: metadata field '{EpochKey}' = '{epochText}' is not a non-negative integer");
        if (!ulong.TryParse(seedText, NumberStyles.None, CultureInfo.InvariantCulture, out ulong seed))
            throw new InvalidDataException($"{path}: metadata field '{SeedKey}' = '{seedText}' is not a non-negative integer");
        int steps = 0;
        if (metadata.TryGetValue(StepsKey, out var stepsText) && !int.TryParse(stepsText, NumberStyles.None, CultureInfo.InvariantCulture, out steps))
            throw new InvalidDataException($"{path}: metadata field '{StepsKey}' = '{stepsText}' is not a non-negative integer");
        return new CheckpointInfo(preset, data, epoch, seed) { Steps = steps };
    }
}
