using System.CommandLine;
using Pare.Graph;
using Pare.Nn.Checkpoints;
using Pare.Nn.Export;
using Pare.Nn.Presets;
using Pare.Onnx;

namespace Pare.Cli.Commands;

/// <summary><c>pare export --checkpoint DIR --out MODEL.onnx</c>: an image-classifier checkpoint as ONNX.</summary>
internal static class ExportCommand
{
    public static Command Create(TextWriter output)
    {
        var checkpoint = new Option<string>("--checkpoint") { Description = "checkpoint folder written by pare train", Required = true };
        var outPath = new Option<string>("--out") { Description = "ONNX file to write", Required = true };
        var command = new Command("export", "Write a trained image-classifier checkpoint as ONNX (input image [batch,C,H,W], output logits)") { checkpoint, outPath };
        command.SetAction(parsed =>
        {
            var dir = parsed.GetValue(checkpoint)!;
            var info = Checkpoint.ReadInfo(dir);
            var module = ModelPresets.Get(info.Preset).Create(new Pare.Core.Random.Rng(0));
            Checkpoint.Load(dir, module);
            module.Eval();
            var model = OnnxExport.ToModel(module, "image", ElementType.Float,
                [Dim.Symbol("batch"), Dim.Of(1), Dim.Of(28), Dim.Of(28)], "logits");
            OnnxModel.Save(model, parsed.GetValue(outPath)!);
            output.WriteLine($"wrote {parsed.GetValue(outPath)}");
            return ExitCodes.Ok;
        });
        return command;
    }
}
