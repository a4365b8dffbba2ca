using System.CommandLine;
using System.Globalization;
using Pare.Nn.Training;

namespace Pare.Cli.Commands;

/// <summary><c>pare train --model M --data D --out DIR [--epochs N | --steps N] [--lr X] [--batch N] [--seed S] [--threads T]</c></summary>
internal static class TrainCommand
{
    public static Command Create(TextWriter output)
    {
        var model = CommonOptions.Model();
        var data = CommonOptions.Data(required: true);
        var outDir = new Option<string>("--out") { Description = "folder for the checkpoint and metrics.json", Required = true };
        var epochs = new Option<int?>("--epochs") { Description = "epochs of a classifier (default: the preset's, 10 for mlp/cnn/resnet-small, 3 for transformer-cls)" };
        var steps = new Option<int?>("--steps") { Description = "optimizer steps of a language model (default: 2000 for gpt-char)" };
        var lr = new Option<float?>("--lr") { Description = "Adam/AdamW learning rate (default: the preset's, 1e-3 except 5e-4 for transformer-cls)" };
        var batch = new Option<int?>("--batch") { Description = "batch size (default: the preset's, 128 for image models, 64 for transformer-cls, 32 for gpt-char)" };
        var trainLimit = new Option<int?>("--train-limit") { Description = "classifiers: train on the first N training samples only (quick checks)" };
        var seed = new Option<ulong>("--seed") { Description = "seed of initialization and shuffling", DefaultValueFactory = _ => 0 };
        var threads = CommonOptions.Threads();
        var command = new Command("train", "Train a model preset on a data set (classifiers by epochs, language models by steps); writes DIR/model.safetensors, DIR/optimizer.safetensors and DIR/metrics.json")
        {
            model, data, outDir, epochs, steps, lr, batch, trainLimit, seed, threads,
        };
        command.SetAction(parsed =>
        {
            CommonOptions.ApplyThreads(parsed.GetValue(threads));
            var run = new TrainingRun(parsed.GetValue(model)!, parsed.GetValue(data)!, parsed.GetValue(outDir)!)
            {
                Epochs = parsed.GetValue(epochs),
                Steps = parsed.GetValue(steps),
                TrainLimit = parsed.GetValue(trainLimit),
                LearningRate = parsed.GetValue(lr),
                BatchSize = parsed.GetValue(batch),
                Seed = parsed.GetValue(seed),
            };
            var result = TrainingDisplay.Execute(run, output);
            output.WriteLine(result.IsLanguageModel
                ? string.Create(CultureInfo.InvariantCulture,
                    $"validation loss {result.ValidationLoss:F4} after {result.Evaluations[^1].Step} steps, {result.TotalSeconds:F1} s; wrote {run.OutputDirectory}")
                : string.Create(CultureInfo.InvariantCulture,
                    $"test accuracy {result.TestAccuracy:P2} after {result.Epochs.Count} epochs, {result.TotalSeconds:F1} s; wrote {run.OutputDirectory}"));
            return ExitCodes.Ok;
        });
        return command;
    }
}
