using System.Diagnostics;
using System.Text.Json;
using Pare.Core.Random;
using Pare.Core.Serialization;
using Pare.Nn.Checkpoints;
using Pare.Nn.Optim;
using Pare.Nn.Presets;

namespace Pare.Nn.Training;

/// <summary>A whole training run as the <c>pare train</c> command performs it: load the named data set, build
/// the preset, train with Adam, write a checkpoint after every epoch and metrics.json at the end.</summary>
/// <param name="Model">preset name</param>
/// <param name="Data">data set name (see <see cref="ImageDataCatalog"/>)</param>
/// <param name="OutputDirectory">where the checkpoint and metrics.json go; null writes nothing</param>
public sealed record TrainingRun(string Model, string Data, string? OutputDirectory)
{
    /// <summary>Name of the metrics file in the output directory.</summary>
    public const string MetricsFile = "metrics.json";

    /// <summary>Epochs; null = the preset's default.</summary>
    public int? Epochs { get; init; }

    /// <summary>Batch size; null = the preset's default.</summary>
    public int? BatchSize { get; init; }

    /// <summary>Adam learning rate; null = the preset's default.</summary>
    public float? LearningRate { get; init; }

    /// <summary>Seed of the weight initialization (generator seeded with it) and of the shuffling (seed + 1).</summary>
    public ulong Seed { get; init; }

    /// <summary>Called after every optimizer step.</summary>
    public Action<TrainingProgress>? BatchCompleted { get; init; }

    /// <summary>Called after every epoch, once its checkpoint is written.</summary>
    public Action<EpochMetrics>? EpochCompleted { get; init; }

    /// <summary>Runs it. Data and arguments are checked before anything is written, so a failure leaves no
    /// files behind; after a divergence, the checkpoint of the last completed epoch stays.</summary>
    /// <exception cref="ArgumentException">unknown model or data name, or a bad hyperparameter</exception>
    /// <exception cref="FileNotFoundException">a data file is missing</exception>
    /// <exception cref="InvalidDataException">a data file is corrupt</exception>
    /// <exception cref="TrainingDivergedException">the loss became NaN or infinite</exception>
    public TrainingResult Execute()
    {
        var preset = ModelPresets.Get(Model);
        int epochs = Epochs ?? preset.Defaults.Epochs, batch = BatchSize ?? preset.Defaults.BatchSize;
        float lr = LearningRate ?? preset.Defaults.LearningRate;
        if (epochs < 1) throw new ArgumentOutOfRangeException(nameof(Epochs), epochs, "--epochs must be ≥ 1");
        if (batch < 1) throw new ArgumentOutOfRangeException(nameof(BatchSize), batch, "--batch must be ≥ 1");
        if (!(lr > 0) || float.IsInfinity(lr)) throw new ArgumentOutOfRangeException(nameof(LearningRate), lr, "--lr must be a positive number");
        var (train, test) = ImageDataCatalog.Load(Data);

        var clock = Stopwatch.StartNew();
        var model = preset.Create(new Rng(Seed));
        var optimizer = new Adam([new ParameterGroup(model.NamedParameters().ToList())], lr);
        var trainer = new Trainer(model, optimizer, new TrainingOptions(epochs, batch, unchecked(Seed + 1)))
        {
            BatchCompleted = BatchCompleted,
            EpochCompleted = m =>
            {
                if (OutputDirectory is not null)
                    Checkpoint.Save(OutputDirectory, model, optimizer, new CheckpointInfo(Model, Data, m.Epoch, Seed));
                EpochCompleted?.Invoke(m);
            },
        };
        var perEpoch = trainer.Fit(train, test);
        var result = new TrainingResult(perEpoch, perEpoch[^1].TestAccuracy, clock.Elapsed.TotalSeconds, model.ParameterCount);
        if (OutputDirectory is not null) WriteMetrics(Path.Combine(OutputDirectory, MetricsFile), result);
        return result;
    }

    /// <summary>Writes metrics.json atomically: a JSON array with one object per epoch and a final object
    /// (<c>"final": true</c>, <c>test_accuracy</c>, mean <c>epoch_s</c>, <c>total_s</c>, <c>params</c>).</summary>
    public void WriteMetrics(string path, TrainingResult result)
    {
        ArgumentNullException.ThrowIfNull(result);
        AtomicFile.Write(path, stream =>
        {
            using var w = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true });
            w.WriteStartArray();
            foreach (var m in result.Epochs)
            {
                w.WriteStartObject();
                w.WriteString("model", Model);
                w.WriteString("data", Data);
                w.WriteNumber("epoch", m.Epoch);
                w.WriteNumber("train_loss", Math.Round(m.TrainLoss, 5));
                w.WriteNumber("train_accuracy", Math.Round(m.TrainAccuracy, 5));
                w.WriteNumber("test_accuracy", m.TestAccuracy);
                w.WriteNumber("epoch_s", Math.Round(m.EpochSeconds, 2));
                w.WriteEndObject();
            }
            w.WriteStartObject();
            w.WriteString("model", Model);
            w.WriteString("data", Data);
            w.WriteBoolean("final", true);
            w.WriteNumber("seed", Seed);
            w.WriteNumber("test_accuracy", result.TestAccuracy);
            w.WriteNumber("epoch_s", Math.Round(result.Epochs.Average(m => m.EpochSeconds), 2));
            w.WriteNumber("total_s", Math.Round(result.TotalSeconds, 1));
            w.WriteNumber("params", result.Parameters);
            w.WriteEndObject();
            w.WriteEndArray();
        });
    }
}

/// <summary>Outcome of a <see cref="TrainingRun"/>.</summary>
/// <param name="Epochs">metrics of each epoch</param>
/// <param name="TestAccuracy">test accuracy after the last epoch, in [0, 1]</param>
/// <param name="TotalSeconds">wall time of model building and training</param>
/// <param name="Parameters">number of trainable scalars</param>
public sealed record TrainingResult(IReadOnlyList<EpochMetrics> Epochs, double TestAccuracy, double TotalSeconds, long Parameters);
