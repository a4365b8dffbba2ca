using System.Text.Json;
using Pare.Core;
using Pare.Core.Random;
using Pare.Core.Serialization;
using Pare.Nn.Checkpoints;
using Pare.Nn.Presets;

namespace Pare.Cli.Tests;

// The tool changes the process-wide thread count and current directory is shared: run these one at a time.
[Collection("cli")]
public sealed class CliTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "pare-cli-" + Guid.NewGuid().ToString("N"));

    public CliTests() => Directory.CreateDirectory(_dir);

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    internal static (int Code, string Out, string Err) Pare(params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        int code = PareApp.Run(args, output, error);
        return (code, output.ToString(), error.ToString());
    }

    [Fact]
    public void Demo_trains_and_prints_the_test_accuracy()
    {
        var (code, output, error) = Pare("demo", "--epochs", "1");
        Assert.True(code == ExitCodes.Ok, error);
        Assert.Contains("epoch 1:", output, StringComparison.Ordinal);
        Assert.Matches(@"test accuracy (\d+\.\d\d) %", output);
        double acc = double.Parse(System.Text.RegularExpressions.Regex.Match(output, @"test accuracy (\d+\.\d\d) %").Groups[1].Value,
            System.Globalization.CultureInfo.InvariantCulture);
        Assert.True(acc > 70, output);
    }

    [Fact]
    public void Train_then_eval_round_trip_writes_checkpoint_and_metrics()
    {
        var outDir = Path.Combine(_dir, "run");
        var (code, output, error) = Pare("train", "--model", "mlp", "--data", "fashion-mnist-subset", "--epochs", "1", "--batch", "256", "--seed", "3", "--out", outDir);
        Assert.True(code == ExitCodes.Ok, error);
        Assert.Contains("test accuracy", output, StringComparison.Ordinal);
        Assert.Equal(new[] { "metrics.json", "model.onnx", "model.safetensors", "optimizer.safetensors" },
            Directory.GetFiles(outDir).Select(Path.GetFileName).Order(StringComparer.Ordinal));
        using var metrics = JsonDocument.Parse(File.ReadAllText(Path.Combine(outDir, "metrics.json")));
        var rows = metrics.RootElement.EnumerateArray().ToList();
        Assert.Equal(2, rows.Count);
        Assert.Equal(1, rows[0].GetProperty("epoch").GetInt32());
        Assert.True(rows[1].GetProperty("final").GetBoolean());
        double acc = rows[1].GetProperty("test_accuracy").GetDouble();
        Assert.True(rows[1].GetProperty("total_s").GetDouble() >= 0);
        Assert.True(rows[1].GetProperty("epoch_s").GetDouble() >= 0);

        var (evalCode, evalOut, evalErr) = Pare("eval", "--checkpoint", outDir, "--json");
        Assert.True(evalCode == ExitCodes.Ok, evalErr);
        using var ev = JsonDocument.Parse(evalOut);
        Assert.Equal("mlp", ev.RootElement.GetProperty("model").GetString());
        Assert.Equal("fashion-mnist-subset", ev.RootElement.GetProperty("data").GetString());
        Assert.Equal(acc, ev.RootElement.GetProperty("test_accuracy").GetDouble());

        // model.onnx beside the checkpoint computes what the checkpoint computes, and `pare export` writes the same bytes
        var onnx = global::Pare.Onnx.OnnxModel.Load(Path.Combine(outDir, "model.onnx"));
        var image = global::Pare.Core.Tensor.Normal([2, 1, 28, 28], 0, 1, new global::Pare.Core.Random.Rng(5));
        var module = global::Pare.Nn.Presets.ModelPresets.Create("mlp", new global::Pare.Core.Random.Rng(0));
        global::Pare.Nn.Checkpoints.Checkpoint.Load(outDir, module);
        module.Eval();
        float[] expected;
        using (global::Pare.Core.Autograd.Tape.NoGrad()) expected = module.Forward(image).ToArray<float>();
        var actual = new global::Pare.Graph.Execution.InferenceSession(onnx).Run([image])[0].ToArray<float>();
        for (var i = 0; i < expected.Length; i++) Assert.Equal(expected[i], actual[i], 1e-4f);
        var exported = Path.Combine(_dir, "exported.onnx");
        var (exportCode, _, exportErr) = Pare("export", "--checkpoint", outDir, "--out", exported);
        Assert.True(exportCode == ExitCodes.Ok, exportErr);
        Assert.Equal(File.ReadAllBytes(Path.Combine(outDir, "model.onnx")), File.ReadAllBytes(exported));
    }

    [Theory]
    [InlineData("--model", "resnet", "--data", "mnist", "unknown model 'resnet'; known models: mlp, cnn, cnn-bn, resnet-small, transformer-cls, gpt-char")]
    [InlineData("--model", "mlp", "--data", "cifar", "unknown data set 'cifar'; known data sets: fashion-mnist, fashion-mnist-subset, mnist, cifar10, sst2, tinyshakespeare")]
    [InlineData("--model", "gpt-char", "--data", "fashion-mnist-subset",
        "model 'gpt-char' does not train on data set 'fashion-mnist-subset' (grey 28×28 images); it needs a character text corpus: tinyshakespeare")]
    [InlineData("--model", "mlp", "--data", "cifar10", "model 'mlp' does not train on data set 'cifar10' (RGB 32×32 images); it needs grey 28×28 images: fashion-mnist, fashion-mnist-subset, mnist")]
    [InlineData("--model", "resnet-small", "--data", "sst2", "model 'resnet-small' does not train on data set 'sst2' (labelled sentences); it needs RGB 32×32 images: cifar10")]
    [InlineData("--model", "transformer-cls", "--data", "tinyshakespeare", "it needs labelled sentences: sst2")]
    [InlineData("--model", "gpt-char", "--data", "tinyshakespeare", "--epochs", "1", "model 'gpt-char' trains by steps, not epochs: use --steps (default 2000)")]
    [InlineData("--model", "mlp", "--data", "fashion-mnist-subset", "--steps", "5", "model 'mlp' trains by epochs, not steps: use --epochs (default 10)")]
    [InlineData("--model", "mlp", "--data", "fashion-mnist-subset", "--train-limit", "0", "--train-limit must be ≥ 1")]
    [InlineData("--model", "mlp", "--data", "fashion-mnist-subset", "--epochs", "0", "--epochs must be ≥ 1")]
    [InlineData("--model", "mlp", "--data", "fashion-mnist-subset", "--lr", "abc", "--lr")]
    [InlineData("--model", "mlp", "--data", "fashion-mnist-subset", "--bogus", "1", "--bogus")]
    public void Bad_arguments_exit_2_with_a_message_and_write_nothing(params string[] argsAndMessage)
    {
        var outDir = Path.Combine(_dir, "out");
        var args = new[] { "train" }.Concat(argsAndMessage[..^1]).Concat(["--out", outDir]).ToArray();
        var (code, _, error) = Pare(args);
        Assert.Equal(ExitCodes.Usage, code);
        Assert.Contains(argsAndMessage[^1], error, StringComparison.Ordinal);
        Assert.False(Directory.Exists(outDir));
    }

    [Fact]
    public void Missing_required_option_is_usage_error()
    {
        var (code, _, error) = Pare("train", "--model", "mlp");
        Assert.Equal(ExitCodes.Usage, code);
        Assert.Contains("--data", error, StringComparison.Ordinal);
    }

    [Fact]
    public void Eval_of_a_missing_checkpoint_names_it_and_exits_3()
    {
        var missing = Path.Combine(_dir, "nope");
        var (code, _, error) = Pare("eval", "--checkpoint", missing);
        Assert.Equal(ExitCodes.BadInput, code);
        Assert.Contains(missing, error, StringComparison.Ordinal);
    }

    [Fact]
    public void Eval_of_a_corrupt_checkpoint_names_the_file_and_exits_3()
    {
        File.WriteAllBytes(Path.Combine(_dir, Checkpoint.ModelFile), [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
        var (code, _, error) = Pare("eval", "--checkpoint", _dir);
        Assert.Equal(ExitCodes.BadInput, code);
        Assert.Contains(Checkpoint.ModelFile, error, StringComparison.Ordinal);
    }

    [Fact]
    public void Eval_of_a_checkpoint_that_does_not_fit_its_preset_exits_4_listing_the_mismatch()
    {
        // Weights of the mlp labelled as a cnn.
        var mlp = ModelPresets.Create("mlp", new Rng(0));
        SafeTensors.Write(Path.Combine(_dir, Checkpoint.ModelFile), mlp.StateDict(),
            new Dictionary<string, string> { ["pare.preset"] = "cnn", ["pare.data"] = "fashion-mnist-subset", ["pare.epoch"] = "1", ["pare.seed"] = "0" });
        var (code, _, error) = Pare("eval", "--checkpoint", _dir);
        Assert.Equal(ExitCodes.CheckpointMismatch, code);
        Assert.Contains("missing: 0.weight (32, 1, 3, 3) float32", error, StringComparison.Ordinal);
        Assert.Contains("unexpected: 1.weight (512, 784) float32", error, StringComparison.Ordinal);
    }

    /// <summary>A repository copy (Pare.slnx + data/fashion-mnist-subset) under the temp folder.</summary>
    private string FakeRepo(bool withFiles)
    {
        var repo = Path.Combine(_dir, "repo");
        var data = Path.Combine(repo, "data", "fashion-mnist-subset");
        Directory.CreateDirectory(data);
        File.WriteAllText(Path.Combine(repo, "Pare.slnx"), "<Solution />");
        if (withFiles)
            foreach (var f in Directory.GetFiles(Path.Combine(AppContext.BaseDirectory, "data", "fashion-mnist-subset")))
                File.Copy(f, Path.Combine(data, Path.GetFileName(f)));
        return repo;
    }

    [Fact]
    public void Corrupt_data_file_names_the_file_exits_3_and_writes_nothing()
    {
        var repo = FakeRepo(withFiles: true);
        var labels = Path.Combine(repo, "data", "fashion-mnist-subset", "train-labels-idx1-ubyte.gz");
        File.WriteAllBytes(labels, File.ReadAllBytes(labels)[..40]);
        var outDir = Path.Combine(_dir, "out");
        // The tool looks in the current directory's data/ first.
        var (code, _, error) = InDirectory(repo, () => Pare("train", "--model", "mlp", "--data", "fashion-mnist-subset", "--out", outDir));
        Assert.Equal(ExitCodes.BadInput, code);
        Assert.Contains(labels, error, StringComparison.Ordinal);
        Assert.False(Directory.Exists(outDir));
    }

    [Fact]
    public void Missing_data_file_names_the_path_and_exits_3()
    {
        var repo = FakeRepo(withFiles: false);
        var outDir = Path.Combine(_dir, "out");
        var (code, _, error) = InDirectory(repo, () => Pare("train", "--model", "cnn", "--data", "fashion-mnist-subset", "--out", outDir));
        Assert.Equal(ExitCodes.BadInput, code);
        Assert.Contains(Path.Combine(repo, "data", "fashion-mnist-subset", "train-images-idx3-ubyte.gz"), error, StringComparison.Ordinal);
        Assert.False(Directory.Exists(outDir));
        if (!Directory.Exists(Nn.Data.ImageDatasets.FashionMnistRoot))
        {
            (code, _, error) = Pare("train", "--model", "mlp", "--data", "fashion-mnist", "--out", outDir);
            Assert.Equal(ExitCodes.BadInput, code);
            Assert.Contains("apt-get install dataset-fashion-mnist", error, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Diverging_training_exits_5_and_keeps_no_checkpoint_of_a_bad_epoch()
    {
        var outDir = Path.Combine(_dir, "run");
        var (code, _, error) = Pare("train", "--model", "mlp", "--data", "fashion-mnist-subset", "--epochs", "1", "--lr", "1e30", "--out", outDir);
        Assert.Equal(ExitCodes.TrainingDiverged, code);
        Assert.Contains("training diverged", error, StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(outDir, Checkpoint.ModelFile)));
        Assert.False(File.Exists(Path.Combine(outDir, "metrics.json")));
    }

    [Fact]
    public void Help_lists_exit_codes()
    {
        var (code, output, _) = Pare("--help");
        Assert.Equal(ExitCodes.Ok, code);
        Assert.Contains(ExitCodes.Summary, output, StringComparison.Ordinal);
        Assert.Contains("train", output, StringComparison.Ordinal);
    }

    private static T InDirectory<T>(string dir, Func<T> f)
    {
        var old = Directory.GetCurrentDirectory();
        Directory.SetCurrentDirectory(dir);
        try
        {
            return f();
        }
        finally
        {
            Directory.SetCurrentDirectory(old);
        }
    }
}
