using Pare.Core;
using Pare.Core.Random;
using Pare.Nn.Checkpoints;
using Pare.Nn.Data;
using Pare.Nn.Modules;
using Pare.Nn.Optim;
using Pare.Nn.Presets;
using Pare.Nn.Training;

namespace Pare.Nn.Tests.Training;

public class TrainerTests
{
    private static readonly Lazy<(LabeledImages Train, LabeledImages Test)> Subset =
        new(() => { var d = DataCatalog.LoadClassification("fashion-mnist-subset", [Paths.Repo]); return (d.Train, d.Test); });

    private static (Module Model, Adam Optimizer, Trainer Trainer) Setup(string preset, ulong seed, int epochs, int batch = 128, float lr = 1e-3f)
    {
        var model = ModelPresets.Create(preset, new Rng(seed));
        var optimizer = new Adam([new ParameterGroup(model.NamedParameters().ToList())], lr);
        return (model, optimizer, new Trainer(model, optimizer, new TrainingOptions(epochs, batch, seed + 1)));
    }

    [Fact]
    public void Mlp_learns_the_embedded_subset_in_one_epoch()
    {
        var (train, test) = Subset.Value;
        var (_, _, trainer) = Setup("mlp", 0, epochs: 1);
        var progress = new List<TrainingProgress>();
        trainer.BatchCompleted = progress.Add;
        var metrics = trainer.Fit(train, test);
        Assert.Single(metrics);
        Assert.Equal(32, progress.Count);  // 4000 / 128 rounded up
        Assert.All(progress, p =>
        {
            Assert.InRange(p.Accuracy, 0, 1);
            Assert.True(p.SamplesPerSecond > 0);
            Assert.True(p.Eta >= TimeSpan.Zero);
        });
        Assert.Equal(TimeSpan.Zero, progress[^1].Eta);
        // The first batch's loss is ≈ ln 10 = 2.3; the epoch's mean must be well below it.
        Assert.True(metrics[0].TrainLoss < 0.6 * progress[0].Loss, $"loss did not fall: first batch {progress[0].Loss}, epoch mean {metrics[0].TrainLoss}");
        Assert.True(metrics[0].TestAccuracy > 0.70, $"test accuracy {metrics[0].TestAccuracy} ≤ 70%");
    }

    [Fact]
    public void Same_seed_gives_byte_identical_checkpoints()
    {
        var (train, _) = Subset.Value;
        var small = train.Take(64);
        var dirs = new[] { NewDir(), NewDir(), NewDir() };
        try
        {
            for (int run = 0; run < 3; run++)
            {
                var (model, optimizer, trainer) = Setup("cnn", run < 2 ? 7UL : 8UL, epochs: 1, batch: 32);
                trainer.Fit(small);
                Checkpoint.Save(dirs[run], model, optimizer, new CheckpointInfo("cnn", "fashion-mnist-subset", 1, 7));
            }
            foreach (var file in new[] { Checkpoint.ModelFile, Checkpoint.OptimizerFile })
            {
                Assert.Equal(File.ReadAllBytes(Path.Combine(dirs[0], file)), File.ReadAllBytes(Path.Combine(dirs[1], file)));
                Assert.NotEqual(File.ReadAllBytes(Path.Combine(dirs[0], file)), File.ReadAllBytes(Path.Combine(dirs[2], file)));
            }
        }
        finally
        {
            foreach (var d in dirs) Directory.Delete(d, recursive: true);
        }
    }

    [Fact]
    public void Nan_loss_stops_training_with_a_diverged_exception()
    {
        var (train, _) = Subset.Value;
        var (model, _, trainer) = Setup("mlp", 0, epochs: 2);
        var bad = train.Take(256);
        bad.Images.AsSpan<float>()[300] = float.NaN;   // inside sample 0; shuffling puts it in some batch of epoch 1
        int epochsDone = 0;
        trainer.EpochCompleted = _ => epochsDone++;
        var e = Assert.Throws<TrainingDivergedException>(() => trainer.Fit(bad));
        Assert.Equal(1, e.Epoch);
        Assert.True(float.IsNaN(e.Loss));
        Assert.Contains("epoch 1", e.Message, StringComparison.Ordinal);
        Assert.Equal(0, epochsDone);
        Assert.NotNull(model);
    }

    [Fact]
    public void Huge_learning_rate_diverges_after_a_good_epoch_and_the_checkpoint_of_that_epoch_stays()
    {
        var (train, _) = Subset.Value;
        var data = train.Take(256);
        var dir = NewDir();
        try
        {
            // Two batches per epoch: the first step of epoch 2 uses the huge rate, the second batch's loss overflows.
            var (model, optimizer, trainer) = Setup("mlp", 0, epochs: 3, batch: 128);
            trainer.EpochCompleted = m =>
            {
                Checkpoint.Save(dir, model, optimizer, new CheckpointInfo("mlp", "x", m.Epoch, 0));
                optimizer.LearningRate = 1e30f;  // blows up the next epoch
            };
            var e = Assert.Throws<TrainingDivergedException>(() => trainer.Fit(data));
            Assert.Equal((2, 2), (e.Epoch, e.Batch));
            Assert.Equal(1, Checkpoint.ReadInfo(dir).Epoch);
            var reloaded = ModelPresets.Create("mlp", new Rng(1));
            Checkpoint.Load(dir, reloaded);
            Assert.All(reloaded.Parameters(), p => Assert.All(p.ToArray<float>(), v => Assert.True(float.IsFinite(v))));
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public void Evaluate_restores_training_mode_and_counts_correctly()
    {
        var (_, test) = Subset.Value;
        var model = ModelPresets.Create("mlp", new Rng(3));
        double acc = Trainer.Evaluate(model, test.Take(250), batchSize: 100);
        Assert.True(model.Training);
        Assert.InRange(acc, 0, 1);
        Assert.Equal(0, Trainer.Evaluate(model, test.Take(0)));
        // Equal to counting per sample.
        long hits = 0;
        var small = test.Take(250);
        for (int i = 0; i < 250; i++)
        {
            var one = new LabeledImages(small.Images.Slice(0, i, i + 1).Clone(), small.Labels.Slice(0, i, i + 1).Clone(), 10);
            hits += (long)Trainer.Evaluate(model, one);
        }
        Assert.Equal(hits / 250.0, acc, 12);
    }

    internal static string NewDir()
    {
        var d = Path.Combine(Path.GetTempPath(), "pare-test-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(d);
        return d;
    }
}
