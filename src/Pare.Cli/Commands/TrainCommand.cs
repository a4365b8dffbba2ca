using System.CommandLine;
using System.Globalization;
using Pare.Nn.Training;

namespace Pare.Cli.Commands;

/// <summary><c>pare train --model M --data D --out DIR [--epochs N] [--lr X] [--batch N] [--seed S] [--threads T]</c></summary>
internal static class TrainCommand
{
    public static Command Create(TextWriter output)
    {
        var model = CommonOptions.Model();
        var data = CommonOptions.Data(required: true);
        var outDir = new Option<string>("--out") { Description = "folder for the checkpoint and metrics.json", Required = true };
        var epochs = new Option<int?>("--epochs") { Description = "epochs (default: the preset's, 10 for mlp/cnn)" };
        var lr = new Option<float?>("--lr") { Description = "Adam learning rate (default 1e-3)" };
        var batch = new Option<int?>("--batch") { Description = "batch size (default 128)" };
        var seed = new Option<ulong>("--seed") { Description = "seed of initialization and shuffling", DefaultValueFactory = _ => 0 };
        var threads = CommonOptions.Threads();
        var command = new Command("train", "Train a model preset on a data set; writes DIR/model.safetensors, DIR/optimizer.safetensors and DIR/metrics.json")
        {
            model, data, outDir, epochs, lr, batch, seed, threads,
        };
        command.SetAction(parsed =>
        {
            CommonOptions.ApplyThreads(parsed.GetValue(threads));
            var run = new TrainingRun(parsed.GetValue(model)!, parsed.GetValue(data)!, parsed.GetValue(outDir)!)
            {
                Epochs = parsed.GetValue(epochs),
                LearningRate = parsed.GetValue(lr),
                BatchSize = parsed.GetValue(batch),
                Seed = parsed.GetValue(seed),
            };
            var result = TrainingDisplay.Execute(run, output);
            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"test accuracy {result.TestAccuracy:P2} after {result.Epochs.Count} epochs, {result.TotalSeconds:F1} s; wrote {run.OutputDirectory}"));
            return ExitCodes.Ok;
        });
        return command;
    }
}
