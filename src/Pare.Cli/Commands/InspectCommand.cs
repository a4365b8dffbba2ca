using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Pare.Graph.Analysis;
using Pare.Onnx;
using Spectre.Console;

namespace Pare.Cli.Commands;

/// <summary><c>pare inspect MODEL.onnx [--json] [--dim NAME=VALUE]... [--inputs DIR]</c>: per-node output shapes,
/// parameters, MACs and weight bytes, then totals (with --json, one JSON object).</summary>
internal static class InspectCommand
{
    public static Command Create(TextWriter output)
    {
        var model = new Argument<string>("MODEL") { Description = "ONNX model file" };
        var json = new Option<bool>("--json") { Description = "print one JSON object (per node and totals)" };
        var dims = new Option<string[]>("--dim")
        {
            Description = "bind a symbolic input dimension, e.g. --dim batch=8 (repeatable; unbound ones are 1)",
            Arity = ArgumentArity.ZeroOrMore,
        };
        var inputs = new Option<string?>("--inputs") { Description = "run on input_K.pb files from this folder instead of zeros" };
        var command = new Command("inspect", "Shapes and cost (parameters, MACs, FLOPs, memory) of every node of an ONNX model")
        {
            model, json, dims, inputs,
        };
        command.SetAction(parsed =>
        {
            var path = parsed.GetValue(model)!;
            var loaded = OnnxModel.Load(path);
            var folder = parsed.GetValue(inputs);
            var given = folder is null ? null : TestVectors.ReadInputs(folder, loaded.Graph.Inputs);
            var cost = ModelAnalyzer.Analyze(loaded, DimBindings.Parse(parsed.GetValue(dims)), given);
            if (parsed.GetValue(json)) output.WriteLine(Json(path, cost));
            else PrintTable(output, path, cost);
            return ExitCodes.Ok;
        });
        return command;
    }

    private static void PrintTable(TextWriter output, string path, ModelCost cost)
    {
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Out = new AnsiConsoleOutput(output),
            Ansi = ReferenceEquals(output, Console.Out) && !Console.IsOutputRedirected ? AnsiSupport.Detect : AnsiSupport.No,
            ColorSystem = ColorSystemSupport.Detect,
        });
        if (!ReferenceEquals(output, Console.Out) || Console.IsOutputRedirected) console.Profile.Width = 200;
        var table = new Table().Title(Markup.Escape(Path.GetFileName(path)));
        table.AddColumn("node").AddColumn("op").AddColumn("output shape")
            .AddColumn(new TableColumn("params").RightAligned())
            .AddColumn(new TableColumn("MACs").RightAligned())
            .AddColumn(new TableColumn("weight bytes").RightAligned());
        foreach (var n in cost.Nodes)
            table.AddRow(Markup.Escape(n.Name), Markup.Escape(n.OpType),
                Markup.Escape(string.Join(" ", n.Outputs.Select(o => o.DimsText))),
                Count(n.Parameters), Count(n.Macs), Count(n.WeightBytes));
        table.AddEmptyRow();
        table.AddRow("[bold]total[/]", $"{cost.Nodes.Count} nodes", "", Count(cost.Parameters), Count(cost.Macs), Count(cost.WeightBytes));
        console.Write(table);
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"inputs: {string.Join(", ", cost.Inputs.Select(i => $"{i.Name} {i.DimsText}"))}"));
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"parameters {cost.Parameters:N0} ({SizeText(cost.WeightBytes)} of weights), {Mega(cost.Macs)} M MACs, {Mega(cost.Flops)} M FLOPs, activations {SizeText(cost.ActivationBytes)} in total, peak {SizeText(cost.PeakActivationBytes)} alive at once"));
    }

    private static string Count(long value) => value.ToString("N0", CultureInfo.InvariantCulture);

    private static string SizeText(long bytes) => bytes switch
    {
        < 10_000 => string.Create(CultureInfo.InvariantCulture, $"{bytes} B"),
        < 10_000_000 => string.Create(CultureInfo.InvariantCulture, $"{bytes / 1e3:0.#} kB"),
        _ => string.Create(CultureInfo.InvariantCulture, $"{bytes / 1e6:0.#} MB"),
    };

    private static string Mega(long value) => string.Create(CultureInfo.InvariantCulture, $"{value / 1e6:0.###}");

    private static string Json(string path, ModelCost cost)
    {
        static object Value(ValueShape v) => new { name = v.Name, dtype = v.ElementType.ToString(), shape = v.Dims };
        return JsonSerializer.Serialize(new
        {
            model = Path.GetFileName(path),
            inputs = cost.Inputs.Select(Value),
            outputs = cost.Outputs.Select(Value),
            nodes = cost.Nodes.Select(n => new
            {
                name = n.Name,
                op = n.OpType,
                outputs = n.Outputs.Select(Value),
                @params = n.Parameters,
                macs = n.Macs,
                flops = n.Flops,
                weight_bytes = n.WeightBytes,
                activation_bytes = n.ActivationBytes,
            }),
            totals = new
            {
                nodes = cost.Nodes.Count,
                @params = cost.Parameters,
                macs = cost.Macs,
                flops = cost.Flops,
                weight_bytes = cost.WeightBytes,
                activation_bytes = cost.ActivationBytes,
                peak_activation_bytes = cost.PeakActivationBytes,
            },
        });
    }
}
