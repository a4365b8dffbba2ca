using System.Diagnostics;
using Pare.Core;
using Pare.Core.Random;
using Pare.Nn.Data;
using Pare.Nn.Losses;
using Pare.Nn.Modules;
using Pare.Nn.Optim;

namespace Pare.Nn.Training;

/// <summary>Trains a classifier with cross-entropy: per epoch, a seeded shuffle of the training set, then for
/// each batch forward → loss → backward → optimizer step; after each epoch, accuracy on the test set.
/// With the same seed, initial weights and thread count, two runs give bit-identical weights.</summary>
public sealed class Trainer
{
    private readonly Module _model;
    private readonly Optimizer _optimizer;
    private readonly TrainingOptions _options;

    /// <summary>Creates a trainer of <paramref name="model"/> (which the optimizer must own the parameters of).</summary>
    public Trainer(Module model, Optimizer optimizer, TrainingOptions options)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(optimizer);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentOutOfRangeException.ThrowIfLessThan(options.Epochs, 0);
        ArgumentOutOfRangeException.ThrowIfLessThan(options.BatchSize, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(options.EvalBatchSize, 1);
        _model = model;
        _optimizer = optimizer;
        _options = options;
    }

    /// <summary>Called after every optimizer step.</summary>
    public Action<TrainingProgress>? BatchCompleted { get; set; }

    /// <summary>Called after every epoch (after evaluation), e.g. to write a checkpoint.</summary>
    public Action<EpochMetrics>? EpochCompleted { get; set; }

    /// <summary>Runs every epoch.</summary>
    /// <param name="train">training set, images (N, C, H, W)</param>
    /// <param name="test">evaluated after each epoch when given</param>
    /// <returns>the metrics of each epoch</returns>
    /// <exception cref="TrainingDivergedException">a loss became NaN or infinite</exception>
    public IReadOnlyList<EpochMetrics> Fit(LabeledImages train, LabeledImages? test = null)
    {
        ArgumentNullException.ThrowIfNull(train);
        if (train.Count == 0) throw new ArgumentException("the training set is empty", nameof(train));
        var shuffle = new Rng(_options.Seed);
        var augment = new Rng(unchecked(_options.Seed + 0x9E3779B97F4A7C15));
        int batches = (train.Count + _options.BatchSize - 1) / _options.BatchSize;
        long totalSteps = (long)batches * _options.Epochs, stepsDone = 0;
        var run = Stopwatch.StartNew();
        var metrics = new List<EpochMetrics>();
        for (int epoch = 1; epoch <= _options.Epochs; epoch++)
        {
            var clock = Stopwatch.StartNew();
            _model.Train();
            double lossSum = 0;
            long correct = 0, seen = 0;
            int batch = 0;
            foreach (var rows in Batches.Indices(train.Count, _options.BatchSize, shuffle))
            {
                batch++;
                var x = Batches.GatherRows(train.Images, rows);
                var y = Batches.GatherRows(train.Labels, rows);
                _options.Augment?.Invoke(x, augment);
                int batchNumber = batch;
                var (logits, value) = TrainingStep.Run(_model, _optimizer, _options.LearningRate, stepsDone, x,
                    output => Loss.CrossEntropy(output, y), loss => new TrainingDivergedException(epoch, batchNumber, loss));

                lossSum += value * rows.Length;
                correct += TrainingStep.CountCorrect(logits.Detach(), y);
                seen += rows.Length;
                stepsDone++;
                if (BatchCompleted is { } report)
                {
                    double elapsed = run.Elapsed.TotalSeconds;
                    var eta = TimeSpan.FromSeconds(elapsed / stepsDone * (totalSteps - stepsDone));
                    report(new TrainingProgress(epoch, _options.Epochs, batch, batches, lossSum / seen, (double)correct / seen,
                        seen / Math.Max(clock.Elapsed.TotalSeconds, 1e-9), eta));
                }
            }
            double testAccuracy = test is null ? double.NaN : Evaluate(_model, test, _options.EvalBatchSize);
            var m = new EpochMetrics(epoch, lossSum / seen, (double)correct / seen, testAccuracy, clock.Elapsed.TotalSeconds);
            metrics.Add(m);
            EpochCompleted?.Invoke(m);
        }
        return metrics;
    }

    /// <summary>Accuracy of <paramref name="model"/> on <paramref name="data"/>, in eval mode without recording
    /// gradients; the model's previous mode is restored.</summary>
    /// <param name="model">a classifier mapping (B, C, H, W) to logits (B, classes)</param>
    /// <param name="data">the evaluation set</param>
    /// <param name="batchSize">samples per forward pass</param>
    /// <returns>fraction correct in [0, 1] (0 for an empty set)</returns>
    public static double Evaluate(Module model, LabeledImages data, int batchSize = 1000)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(data);
        ArgumentOutOfRangeException.ThrowIfLessThan(batchSize, 1);
        if (data.Count == 0) return 0;
        return TrainingStep.InEvalMode(model, () =>
        {
            long correct = 0;
            for (int start = 0; start < data.Count; start += batchSize)
            {
                int end = Math.Min(start + batchSize, data.Count);
                var x = data.Images.Slice(0, start, end).Contiguous();
                var y = data.Labels.Slice(0, start, end);
                correct += TrainingStep.CountCorrect(model.Forward(x), y);
            }
            return (double)correct / data.Count;
        });
    }
}
