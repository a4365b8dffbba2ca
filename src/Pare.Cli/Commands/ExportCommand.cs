using System.CommandLine;
using Pare.Graph;
using Pare.Nn.Checkpoints;
using Pare.Nn.Export;
using Pare.Nn.Presets;
using Pare.Onnx;

namespace Pare.Cli.Commands;

/// <summary><c>pare export --checkpoint DIR --out MODEL.onnx</c>: a checkpoint of any preset as ONNX.</summary>
internal static class ExportCommand
{
    public static Command Create(TextWriter output)
    {
        var checkpoint = new Option<string>("--checkpoint") { Description = "checkpoint folder written by pare train", Required = true };
        var outPath = new Option<string>("--out") { Description = "ONNX file to write", Required = true };
        var command = new Command("export", "Write a checkpoint as ONNX (input: images [batch,C,H,W] float or ids [batch,time] int64; output logits)") { checkpoint, outPath };
        command.SetAction(parsed =>
        {
            var model = OnnxExport.FromCheckpoint(parsed.GetValue(checkpoint)!);
            OnnxModel.Save(model, parsed.GetValue(outPath)!);
            output.WriteLine($"wrote {parsed.GetValue(outPath)}");
            return ExitCodes.Ok;
        });
        return command;
    }
}
