namespace Pare.Nn.Checkpoints;

/// <summary>What a checkpoint holds, stored as metadata of model.safetensors.</summary>
/// <param name="Preset">model preset name (see Presets.ModelPresets)</param>
/// <param name="Data">name of the data set it was trained on</param>
/// <param name="Epoch">epochs completed</param>
/// <param name="Seed">seed of the run</param>
public sealed record CheckpointInfo(string Preset, string Data, int Epoch, ulong Seed);
