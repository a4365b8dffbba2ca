using System.CommandLine;
using Pare.Graph.Execution;
using Pare.Onnx;

namespace Pare.Cli.Commands;

/// <summary><c>pare run MODEL.onnx --inputs DIR --out DIR</c>: runs the model on <c>input_K.pb</c> files and writes
/// <c>output_K.pb</c> files named as the model's outputs.</summary>
internal static class RunCommand
{
    public static Command Create(TextWriter output)
    {
        var model = new Argument<string>("MODEL") { Description = "ONNX model file" };
        var inputs = new Option<string>("--inputs") { Description = "folder with input_K.pb (ONNX TensorProto, K in the model's input order)", Required = true };
        var outDir = new Option<string>("--out") { Description = "folder for output_K.pb (created; files written atomically)", Required = true };
        var threads = CommonOptions.Threads();
        var noOptimize = new Option<bool>("--no-optimize") { Description = "run the graph as written (no constant folding, no QDQ or activation fusion), e.g. to tell an optimizer difference from a kernel one" };
        var command = new Command("run", "Run an ONNX model on tensor files") { model, inputs, outDir, threads, noOptimize };
        command.SetAction(parsed =>
        {
            CommonOptions.ApplyThreads(parsed.GetValue(threads));
            var session = new InferenceSession(OnnxModel.Load(parsed.GetValue(model)!), optimize: !parsed.GetValue(noOptimize));
            var results = session.Run(TestVectors.ReadInputs(parsed.GetValue(inputs)!, session.Inputs));
            foreach (var path in TestVectors.WriteOutputs(parsed.GetValue(outDir)!, session.Outputs, results))
                output.WriteLine($"wrote {path}");
            return ExitCodes.Ok;
        });
        return command;
    }
}
