using System.Diagnostics;
using Pare.Core.Random;
using Pare.Nn.Checkpoints;
using Pare.Nn.Modules;
using Pare.Nn.Optim;
using Pare.Nn.Presets;

namespace Pare.Nn.Training;

/// <summary>A whole training run as the <c>pare train</c> command performs it: load the named data set, build
/// the preset, train with Adam/AdamW and the preset's defaults; classifiers by epochs (checkpoint after every
/// epoch), language models by steps (checkpoint after every evaluation); metrics.json at the end.</summary>
/// <param name="Model">preset name</param>
/// <param name="Data">data set name (see <see cref="DataCatalog"/>)</param>
/// <param name="OutputDirectory">where the checkpoint and metrics.json go; null writes nothing</param>
public sealed record TrainingRun(string Model, string Data, string? OutputDirectory)
{
    /// <summary>Name of the metrics file in the output directory.</summary>
    public const string MetricsFile = "metrics.json";

    /// <summary>Epochs of a classifier; null = the preset's default.</summary>
    public int? Epochs { get; init; }

    /// <summary>Optimizer steps of a language model; null = the preset's default.</summary>
    public int? Steps { get; init; }

    /// <summary>Train a classifier on only the first this many training samples (quick checks); null = all.</summary>
    public int? TrainLimit { get; init; }

    /// <summary>Batch size; null = the preset's default.</summary>
    public int? BatchSize { get; init; }

    /// <summary>Learning rate (after warm-up); null = the preset's default.</summary>
    public float? LearningRate { get; init; }

    /// <summary>Seed of the weight initialization (generator seeded with it) and of the batches (seed + 1).</summary>
    public ulong Seed { get; init; }

    /// <summary>Called after every optimizer step.</summary>
    public Action<TrainingProgress>? BatchCompleted { get; init; }

    /// <summary>Called after every epoch of a classifier, once its checkpoint is written.</summary>
    public Action<EpochMetrics>? EpochCompleted { get; init; }

    /// <summary>Called after every evaluation of a language model, once its checkpoint is written.</summary>
    public Action<StepMetrics>? Evaluated { get; init; }

    /// <summary>Runs it. Names, arguments and data are checked before anything is written, so a failure leaves no
    /// files behind; after a divergence, the checkpoint of the last completed epoch (or evaluation) stays.</summary>
    /// <exception cref="ArgumentException">unknown model or data name, a model that does not train on that data,
    /// or a bad hyperparameter</exception>
    /// <exception cref="FileNotFoundException">a data file is missing</exception>
    /// <exception cref="InvalidDataException">a data file is corrupt</exception>
    /// <exception cref="TrainingDivergedException">the loss became NaN or infinite</exception>
    public TrainingResult Execute()
    {
        var preset = ModelPresets.Get(Model);
        preset.CheckFits(DataCatalog.Get(Data));
        var d = preset.Defaults;
        int batch = BatchSize ?? d.BatchSize;
        float lr = LearningRate ?? d.LearningRate;
        if (preset.IsLanguageModel && Epochs is not null)
            throw new ArgumentException($"model '{Model}' trains by steps, not epochs: use --steps (default {d.Steps})", nameof(Epochs));
        if (!preset.IsLanguageModel && Steps is not null)
            throw new ArgumentException($"model '{Model}' trains by epochs, not steps: use --epochs (default {d.Epochs})", nameof(Steps));
        if (Epochs < 1) throw new ArgumentOutOfRangeException(nameof(Epochs), Epochs, "--epochs must be ≥ 1");
        if (Steps < 1) throw new ArgumentOutOfRangeException(nameof(Steps), Steps, "--steps must be ≥ 1");
        if (TrainLimit < 1) throw new ArgumentOutOfRangeException(nameof(TrainLimit), TrainLimit, "--train-limit must be ≥ 1");
        if (preset.IsLanguageModel && TrainLimit is not null)
            throw new ArgumentException($"model '{Model}' samples random windows of its corpus; --train-limit applies to classifiers", nameof(TrainLimit));
        if (batch < 1) throw new ArgumentOutOfRangeException(nameof(BatchSize), batch, "--batch must be ≥ 1");
        if (!(lr > 0) || float.IsInfinity(lr)) throw new ArgumentOutOfRangeException(nameof(LearningRate), lr, "--lr must be a positive number");
        var data = DataCatalog.Load(Data);

        var clock = Stopwatch.StartNew();
        var model = preset.Create(new Rng(Seed), data.VocabularySize);
        var optimizer = new Adam([new ParameterGroup(model.NamedParameters().ToList())], lr, beta2: d.Beta2,
            weightDecay: d.WeightDecay, decoupledWeightDecay: d.DecoupledWeightDecay);
        var schedule = d.WarmupSteps > 0 ? LearningRateSchedule.WithWarmup(LearningRateSchedule.Constant(lr), d.WarmupSteps) : null;
        var result = data switch
        {
            CorpusData corpus => TrainLanguageModel(model, optimizer, schedule, corpus, Steps ?? d.Steps, batch, d.Context, clock),
            ClassificationData set => TrainClassifier(model, optimizer, schedule, set, Epochs ?? d.Epochs, batch, clock),
            _ => throw new InvalidOperationException($"data set '{Data}' has no training loop"),
        };
        if (OutputDirectory is not null) TrainingMetrics.Write(Path.Combine(OutputDirectory, MetricsFile), this, result);
        return result;
    }

    private TrainingResult TrainClassifier(Module model, Adam optimizer, Func<long, float>? schedule, ClassificationData data,
        int epochs, int batch, Stopwatch clock)
    {
        var options = new TrainingOptions(epochs, batch, unchecked(Seed + 1)) { Augment = data.Augment, LearningRate = schedule };
        var trainer = new Trainer(model, optimizer, options)
        {
            BatchCompleted = BatchCompleted,
            EpochCompleted = m =>
            {
                if (OutputDirectory is not null)
                    Checkpoint.Save(OutputDirectory, model, optimizer, new CheckpointInfo(Model, Data, m.Epoch, Seed));
                EpochCompleted?.Invoke(m);
            },
        };
        var perEpoch = trainer.Fit(TrainLimit is { } limit ? data.Train.Take(limit) : data.Train, data.Test);
        return new TrainingResult(perEpoch, perEpoch[^1].TestAccuracy, clock.Elapsed.TotalSeconds, model.ParameterCount);
    }

    private TrainingResult TrainLanguageModel(Module model, Adam optimizer, Func<long, float>? schedule, CorpusData data,
        int steps, int batch, int context, Stopwatch clock)
    {
        var options = new LanguageModelOptions(steps, batch, context, unchecked(Seed + 1)) { LearningRate = schedule };
        var trainer = new LanguageModelTrainer(model, optimizer, options)
        {
            BatchCompleted = BatchCompleted,
            Evaluated = m =>
            {
                if (OutputDirectory is not null)
                    Checkpoint.Save(OutputDirectory, model, optimizer, new CheckpointInfo(Model, Data, 0, Seed) { Steps = m.Step });
                Evaluated?.Invoke(m);
            },
        };
        var evaluations = trainer.Fit(data.Corpus);
        return new TrainingResult([], double.NaN, clock.Elapsed.TotalSeconds, model.ParameterCount)
        {
            Evaluations = evaluations,
            ValidationLoss = evaluations[^1].ValidationLoss,
        };
    }
}
