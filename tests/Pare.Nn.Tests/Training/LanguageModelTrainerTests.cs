using Pare.Core.Random;
using Pare.Nn.Data;
using Pare.Nn.Optim;
using Pare.Nn.Presets;
using Pare.Nn.Training;

namespace Pare.Nn.Tests.Training;

public class LanguageModelTrainerTests
{
    private static CharCorpus RepetitiveCorpus()
    {
        var path = Path.Combine(Path.GetTempPath(), "pare-corpus-" + Guid.NewGuid().ToString("N") + ".txt");
        try
        {
            File.WriteAllText(path, string.Concat(Enumerable.Repeat("the cat sat on the mat. ", 200)));
            return CharCorpus.Load(path);
        }
        finally
        {
            File.Delete(path);
        }
    }

    private static (GptChar Model, IReadOnlyList<StepMetrics> Metrics, List<TrainingProgress> Progress) Fit(ulong seed, int steps)
    {
        var corpus = RepetitiveCorpus();
        var model = new GptChar(new Rng(seed), corpus.Vocabulary.Count, dim: 16, heads: 2, layers: 1, context: 16);
        var optimizer = Adam.AdamW([new ParameterGroup(model.NamedParameters().ToList())], 1e-2f, beta2: 0.99f, weightDecay: 0.1f);
        var options = new LanguageModelOptions(steps, BatchSize: 8, Context: 16, Seed: seed)
        {
            LearningRate = LearningRateSchedule.WithWarmup(LearningRateSchedule.Constant(1e-2f), 10),
            ValidationBatches = 5,
            EvaluateEvery = 20,
        };
        var progress = new List<TrainingProgress>();
        var trainer = new LanguageModelTrainer(model, optimizer, options) { BatchCompleted = progress.Add };
        return (model, trainer.Fit(corpus), progress);
    }

    [Fact]
    public void Learns_a_repetitive_text_and_evaluates_on_schedule()
    {
        var (_, metrics, progress) = Fit(seed: 3, steps: 50);
        Assert.Equal(new[] { 20, 40, 50 }, metrics.Select(m => m.Step));
        Assert.Equal(50, progress.Count);
        // Nine distinct characters: a uniform guess costs ln 9 = 2.2 nats; a text this regular is nearly free.
        Assert.True(metrics[^1].ValidationLoss < 1.0, $"validation loss {metrics[^1].ValidationLoss} after 50 steps");
        Assert.True(metrics[^1].ValidationLoss < metrics[0].ValidationLoss);
        Assert.True(progress[^1].Accuracy > 0.5, $"next-character accuracy {progress[^1].Accuracy}");
    }

    [Fact]
    public void Same_seed_gives_identical_weights()
    {
        var a = Fit(seed: 4, steps: 5).Model.StateDict();
        var b = Fit(seed: 4, steps: 5).Model.StateDict();
        foreach (var (name, t) in a) Assert.Equal(t.ToArray<float>(), b[name].ToArray<float>());
    }

    [Fact]
    public void Warm_up_sets_the_learning_rate_of_each_step_like_pytorch_lambda_lr()
    {
        // torch_train.py: LambdaLR(lambda s: min(1, (s+1)/100)); the first step uses lr/100, step 100 and later lr.
        var schedule = LearningRateSchedule.WithWarmup(LearningRateSchedule.Constant(1e-3f), 100);
        Assert.Equal(1e-5f, schedule(0), 1e-9f);
        Assert.Equal(5e-4f, schedule(49), 1e-9f);
        Assert.Equal(1e-3f, schedule(99));
        Assert.Equal(1e-3f, schedule(1999));
    }
}
