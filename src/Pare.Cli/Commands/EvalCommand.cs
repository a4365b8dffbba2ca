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
        var command = new Command("eval", "Test accuracy of a checkpoint") { checkpoint, data, json, threads };
        command.SetAction(parsed =>
        {
            CommonOptions.ApplyThreads(parsed.GetValue(threads));
            var r = Evaluation.Run(parsed.GetValue(checkpoint)!, parsed.GetValue(data));
            if (parsed.GetValue(json))
            {
                output.WriteLine(JsonSerializer.Serialize(new Dictionary<string, object>
                {
                    ["model"] = r.Checkpoint.Preset,
                    ["data"] = r.Data,
                    ["epoch"] = r.Checkpoint.Epoch,
                    ["test_accuracy"] = r.Accuracy,
                    ["samples"] = r.Samples,
                }));
            }
            else
            {
                output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"{r.Checkpoint.Preset} (epoch {r.Checkpoint.Epoch}) on {r.Data}: test accuracy {r.Accuracy:P2} ({r.Samples} samples)"));
            }
            return ExitCodes.Ok;
        });
        return command;
    }
}
