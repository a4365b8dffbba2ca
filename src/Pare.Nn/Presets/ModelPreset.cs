using Pare.Core.Random;
using Pare.Nn.Modules;

namespace Pare.Nn.Presets;

/// <summary>A named model architecture with the training hyperparameters it is measured with.</summary>
/// <param name="Name">the name used on the command line ("mlp", "cnn")</param>
/// <param name="Description">one line for help texts</param>
/// <param name="Create">builds a freshly initialized model from a generator (same seed ⇒ same weights)</param>
/// <param name="Defaults">default epochs, batch size and learning rate</param>
public sealed record ModelPreset(string Name, string Description, Func<Rng, Module> Create, TrainingDefaults Defaults);

/// <summary>Default hyperparameters of a preset.</summary>
/// <param name="Epochs">passes over the training set</param>
/// <param name="BatchSize">samples per optimizer step</param>
/// <param name="LearningRate">Adam learning rate</param>
public sealed record TrainingDefaults(int Epochs, int BatchSize, float LearningRate);
