using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Pare.Nn.Training;

namespace Pare.Cli.Commands;

/// <summary><c>pare eval --checkpoint DIR [--data NAME] [--json]</c></summary>
internal static class EvalCommand
{
    public static Command Create(TextWriter output)
    {
        var checkpoint = new Option<string>("--checkpoint") { Description = "checkpoint folder written by pare train", Required = true };
        var data = CommonOptions.Data(required: false);
        data.Description += " (default: the one it was trained on)";
        var json = new Option<bool>("--json") { Description = "print one JSON object" };
        var threads = CommonOptions.Threads();
        var command = new Command("eval", "Test accuracy of a classifier checkpoint, or validation loss of a language model") { checkpoint, data, json, threads };
        command.SetAction(parsed =>
        {
            CommonOptions.ApplyThreads(parsed.GetValue(threads));
            var r = Evaluation.Run(parsed.GetValue(checkpoint)!, parsed.GetValue(data));
            if (parsed.GetValue(json))
            {
                var row = new Dictionary<string, object>
                {
                    ["model"] = r.Checkpoint.Preset,
                    ["data"] = r.Data,
                    ["epoch"] = r.Checkpoint.Epoch,
                    ["samples"] = r.Samples,
                };
                if (double.IsNaN(r.ValidationLoss)) row["test_accuracy"] = r.Accuracy;
                else (row["steps"], row["val_loss"]) = (r.Checkpoint.Steps, r.ValidationLoss);
                output.WriteLine(JsonSerializer.Serialize(row));
            }
            else
            {
                output.WriteLine(double.IsNaN(r.ValidationLoss)
                    ? string.Create(CultureInfo.InvariantCulture,
                        $"{r.Checkpoint.Preset} (epoch {r.Checkpoint.Epoch}) on {r.Data}: test accuracy {r.Accuracy:P2} ({r.Samples} samples)")
                    : string.Create(CultureInfo.InvariantCulture,
                        $"{r.Checkpoint.Preset} (step {r.Checkpoint.Steps}) on {r.Data}: validation loss {r.ValidationLoss:F4} ({r.Samples} windows)"));
            }
            return ExitCodes.Ok;
        });
        return command;
    }
}
