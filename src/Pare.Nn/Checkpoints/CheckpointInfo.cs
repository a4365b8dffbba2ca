namespace Pare.Nn.Checkpoints;

/// <summary>What a checkpoint holds, stored as metadata of model.safetensors.</summary>
/// <param name="Preset">model preset name (see Presets.ModelPresets)</param>
/// <param name="Data">name of the data set it was trained on</param>
/// <param name="Epoch">epochs completed (0 for language models, which train by steps)</param>
/// <param name="Seed">seed of the run</param>
public sealed record CheckpointInfo(string Preset, string Data, int Epoch, ulong Seed)
{
    /// <summary>Optimizer steps completed by a language model (stored only when non-zero); 0 for classifiers.</summary>
    public int Steps { get; init; }
}
