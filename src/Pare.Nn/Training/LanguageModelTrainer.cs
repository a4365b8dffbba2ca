using System.Diagnostics;
using Pare.Core;
using Pare.Core.Random;
using Pare.Nn.Data;
using Pare.Nn.Losses;
using Pare.Nn.Modules;
using Pare.Nn.Optim;

namespace Pare.Nn.Training;

/// <summary>Trains a next-token model (ids (B, T) → logits (B, T, V)) by steps on random windows of a corpus:
/// sample, forward, cross-entropy over all B·T positions, backward, optimizer step; every
/// <see cref="LanguageModelOptions.EvaluateEvery"/> steps the mean loss of random validation windows.
/// With the same seed, initial weights and thread count, two runs give bit-identical weights.</summary>
public sealed class LanguageModelTrainer
{
    private readonly Module _model;
    private readonly Optimizer _optimizer;
    private readonly LanguageModelOptions _options;

    /// <summary>Creates a trainer of <paramref name="model"/> (which the optimizer must own the parameters of).</summary>
    public LanguageModelTrainer(Module model, Optimizer optimizer, LanguageModelOptions options)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(optimizer);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentOutOfRangeException.ThrowIfLessThan(options.Steps, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(options.BatchSize, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(options.Context, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(options.ValidationBatches, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(options.EvaluateEvery, 1);
        _model = model;
        _optimizer = optimizer;
        _options = options;
    }

    /// <summary>Called after every optimizer step (epoch 1 of 1; batch = step; accuracy = next-token accuracy).</summary>
    public Action<TrainingProgress>? BatchCompleted { get; set; }

    /// <summary>Called after every evaluation, e.g. to write a checkpoint.</summary>
    public Action<StepMetrics>? Evaluated { get; set; }

    /// <summary>Runs every step.</summary>
    /// <returns>the metrics of each evaluation; the last one is after the last step</returns>
    /// <exception cref="TrainingDivergedException">a loss became NaN or infinite</exception>
    public IReadOnlyList<StepMetrics> Fit(CharCorpus corpus)
    {
        ArgumentNullException.ThrowIfNull(corpus);
        var o = _options;
        var sample = new Rng(o.Seed);
        var validation = new Rng(unchecked(o.Seed + 0x9E3779B97F4A7C15));
        var run = Stopwatch.StartNew();
        var metrics = new List<StepMetrics>();
        double lossSum = 0, lossSumSinceEval = 0;
        long correct = 0, seen = 0;
        int sinceEval = 0;
        _model.Train();
        for (int step = 1; step <= o.Steps; step++)
        {
            var (x, y) = CharCorpus.SampleBatch(corpus.Train, o.BatchSize, o.Context, sample);
            int stepNumber = step;
            var (logits, value) = TrainingStep.Run(_model, _optimizer, o.LearningRate, step - 1, x,
                output => Loss.CrossEntropy(output.Reshape(-1, output.Dim(-1)), y.Reshape(-1)),
                loss => new TrainingDivergedException($"training diverged: loss is {loss} at step {stepNumber}; lower the learning rate (--lr)"));
            var flat = logits.Reshape(-1, logits.Dim(-1));

            lossSum += value;
            lossSumSinceEval += value;
            sinceEval++;
            correct += TrainingStep.CountCorrect(flat.Detach(), y);
            seen += y.Count;
            if (BatchCompleted is { } report)
            {
                double elapsed = run.Elapsed.TotalSeconds;
                report(new TrainingProgress(1, 1, step, o.Steps, lossSum / step, (double)correct / seen,
                    step * (double)o.BatchSize / Math.Max(elapsed, 1e-9), TimeSpan.FromSeconds(elapsed / step * (o.Steps - step))));
            }
            if (step % o.EvaluateEvery == 0 || step == o.Steps)
            {
                double val = ValidationLoss(_model, corpus.Validation, o.ValidationBatches, o.BatchSize, o.Context, validation);
                var m = new StepMetrics(step, lossSumSinceEval / sinceEval, val, run.Elapsed.TotalSeconds);
                metrics.Add(m);
                lossSumSinceEval = 0;
                sinceEval = 0;
                Evaluated?.Invoke(m);
            }
        }
        return metrics;
    }

    /// <summary>Mean cross-entropy of <paramref name="batches"/> random windows of <paramref name="source"/>, in eval
    /// mode without recording gradients; the model's previous mode is restored.</summary>
    /// <param name="model">maps ids (B, T) to logits (B, T, V)</param>
    /// <param name="source">encoded text</param>
    /// <param name="batches">number of random batches</param>
    /// <param name="batchSize">windows per batch</param>
    /// <param name="context">tokens per window</param>
    /// <param name="rng">window sampler</param>
    /// <returns>nats per token</returns>
    public static double ValidationLoss(Module model, long[] source, int batches, int batchSize, int context, Rng rng)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentOutOfRangeException.ThrowIfLessThan(batches, 1);
        return TrainingStep.InEvalMode(model, () =>
        {
            double sum = 0;
            for (int i = 0; i < batches; i++)
            {
                var (x, y) = CharCorpus.SampleBatch(source, batchSize, context, rng);
                var logits = model.Forward(x);
                sum += Loss.CrossEntropy(logits.Reshape(-1, logits.Dim(-1)), y.Reshape(-1)).Item();
            }
            return sum / batches;
        });
    }
}
