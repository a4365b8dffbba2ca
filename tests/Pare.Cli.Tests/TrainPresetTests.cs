using System.Text.Json;
using Pare.Nn.Checkpoints;

namespace Pare.Cli.Tests;

// Tiny runs of every preset through `pare train`: each checks the metrics file's final object and, where a run is
// cheap enough to repeat, that the same seed and thread count give a byte-identical checkpoint.
[Collection("cli")]
public sealed class TrainPresetTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "pare-presets-" + Guid.NewGuid().ToString("N"));

    public TrainPresetTests() => Directory.CreateDirectory(_dir);

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static JsonElement FinalMetrics(string outDir)
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(outDir, "metrics.json")));
        var last = doc.RootElement.EnumerateArray().Last().Clone();
        Assert.True(last.GetProperty("final").GetBoolean());
        return last;
    }

    private string Train(string name, params string[] args)
    {
        var outDir = Path.Combine(_dir, name);
        var (code, output, error) = CliTests.Pare([.. args, "--threads", "2", "--out", outDir]);
        Assert.True(code == ExitCodes.Ok, error + output);
        return outDir;
    }

    [Fact]
    public void Same_seed_and_threads_give_byte_identical_checkpoints_and_another_seed_does_not()
    {
        string[] args = ["train", "--model", "mlp", "--data", "fashion-mnist-subset", "--epochs", "1", "--train-limit", "512"];
        var a = Train("a", [.. args, "--seed", "5"]);
        var b = Train("b", [.. args, "--seed", "5"]);
        var c = Train("c", [.. args, "--seed", "6"]);
        foreach (var file in new[] { Checkpoint.ModelFile, Checkpoint.OptimizerFile })
        {
            Assert.Equal(File.ReadAllBytes(Path.Combine(a, file)), File.ReadAllBytes(Path.Combine(b, file)));
            Assert.NotEqual(File.ReadAllBytes(Path.Combine(a, file)), File.ReadAllBytes(Path.Combine(c, file)));
        }
    }

    [SharedDataFact("shared/data/tinyshakespeare/input.txt")]
    public void Gpt_char_trains_by_steps_writes_val_loss_and_is_reproducible()
    {
        // Batch 2 keeps the 50 validation batches cheap too.
        string[] args = ["train", "--model", "gpt-char", "--data", "tinyshakespeare", "--steps", "3", "--batch", "2", "--seed", "1"];
        var a = Train("a", args);
        var b = Train("b", args);
        var final = FinalMetrics(a);
        double valLoss = final.GetProperty("val_loss").GetDouble();
        // Three steps from a random init: close to ln 65 = 4.17 nats (a uniform guess), certainly not trained yet.
        Assert.InRange(valLoss, 3.5, 5.0);
        Assert.Equal(3, final.GetProperty("steps").GetInt32());
        Assert.False(final.TryGetProperty("test_accuracy", out _));
        Assert.Equal(File.ReadAllBytes(Path.Combine(a, Checkpoint.ModelFile)), File.ReadAllBytes(Path.Combine(b, Checkpoint.ModelFile)));

        var (code, output, error) = CliTests.Pare("eval", "--checkpoint", a, "--json");
        Assert.True(code == ExitCodes.Ok, error);
        using var ev = JsonDocument.Parse(output);
        Assert.Equal(3, ev.RootElement.GetProperty("steps").GetInt32());
        Assert.InRange(ev.RootElement.GetProperty("val_loss").GetDouble(), 3.5, 5.0);
    }

    [SharedDataFact("shared/data/sst2/train.tsv", "shared/data/sst2/dev.tsv")]
    public void Transformer_cls_trains_on_sst2_and_writes_test_accuracy()
    {
        var outDir = Train("sst2", "train", "--model", "transformer-cls", "--data", "sst2", "--epochs", "1", "--train-limit", "256", "--batch", "64");
        double acc = FinalMetrics(outDir).GetProperty("test_accuracy").GetDouble();
        // 872 dev sentences, two classes; four steps cannot do much, but the figure must be a real accuracy.
        Assert.InRange(acc, 0.3, 0.8);
        var (code, output, error) = CliTests.Pare("eval", "--checkpoint", outDir, "--json");
        Assert.True(code == ExitCodes.Ok, error);
        using var ev = JsonDocument.Parse(output);
        Assert.Equal(872, ev.RootElement.GetProperty("samples").GetInt32());
        Assert.Equal(acc, ev.RootElement.GetProperty("test_accuracy").GetDouble());
    }

    [SharedDataFact("shared/data/cifar10-subset/data_batch_subset10k.bin", "shared/data/cifar10-subset/test_batch_subset2k.bin")]
    public void Resnet_small_trains_on_augmented_cifar10_and_writes_test_accuracy()
    {
        var outDir = Train("cifar", "train", "--model", "resnet-small", "--data", "cifar10", "--epochs", "1", "--train-limit", "128", "--batch", "64");
        double acc = FinalMetrics(outDir).GetProperty("test_accuracy").GetDouble();
        Assert.InRange(acc, 0.0, 0.5);
        var (code, output, error) = CliTests.Pare("eval", "--checkpoint", outDir, "--json");
        Assert.True(code == ExitCodes.Ok, error);
        using var ev = JsonDocument.Parse(output);
        Assert.Equal(2000, ev.RootElement.GetProperty("samples").GetInt32());
        Assert.Equal(acc, ev.RootElement.GetProperty("test_accuracy").GetDouble());
    }
}
