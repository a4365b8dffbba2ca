using System.Globalization;
using Pare.Compression.Quantization;
using Pare.Core;
using Pare.Graph;
using Spectre.Console;

namespace Pare.Cli.Commands;

/// <summary>Shows <c>pare quantize</c>: a progress bar while batches run (calibration, bias correction, summary) on an
/// interactive terminal, then the per-layer table and the before/after totals.</summary>
internal static class QuantizeDisplay
{
    /// <summary>Runs the pass and measures the summary, with progress on <paramref name="output"/>.
    /// With <paramref name="target"/>, the accuracy-driven search runs instead and its steps are printed, after the
    /// sensitivities it measured when <paramref name="printSensitivity"/> (measured here if the search needed none).</summary>
    public static (Model Quantized, QuantizationRecord Record, QuantizationSummary Summary) Run(
        Model fp32, QuantizationOptions options, IReadOnlyList<Tensor[]>? batches, int latencyRuns, TextWriter output, AccuracyTarget? target = null,
        bool printSensitivity = false)
    {
        var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(output) });
        if (target is not null)
        {
            var search = AccuracyDrivenQuantization.Run(fp32, options, target, batches!);
            if (printSensitivity)
                PrintSensitivity(search.Sensitivity.Count > 0 ? search.Sensitivity : SensitivityAnalysis.Measure(fp32, options, batches!, target), output);
            PrintSteps(search, output);
            return (search.Model, search.Record, QuantizationSummary.Measure(fp32, search.Model, batches, latencyRuns));
        }
        if (!console.Profile.Capabilities.Interactive || !ReferenceEquals(output, Console.Out) || Console.IsOutputRedirected)
        {
            var (q, r) = QuantizationPass.Run(fp32, options, batches);
            return (q, r, QuantizationSummary.Measure(fp32, q, batches, latencyRuns));
        }
        (Model, QuantizationRecord, QuantizationSummary)? result = null;
        console.Progress()
            .AutoClear(true)
            .Columns(new TaskDescriptionColumn { Alignment = Justify.Left }, new ProgressBarColumn(), new PercentageColumn())
            .Start(ctx =>
            {
                var task = ctx.AddTask("quantizing", maxValue: 1);
                var (q, r) = QuantizationPass.Run(fp32, options, batches, (stage, done, total) =>
                {
                    task.Description = $"{stage} {done}/{total}";
                    task.Value = (double)done / total;
                });
                var s = QuantizationSummary.Measure(fp32, q, batches, latencyRuns, progress: (done, total) =>
                {
                    task.Description = $"comparing outputs {done}/{total}, then timing";
                    task.Value = (double)done / total;
                });
                result = (q, r, s);
            });
        return result!.Value;
    }

    /// <summary>Per-layer sensitivity, most damaging first.</summary>
    public static void PrintSensitivity(IReadOnlyList<LayerSensitivity> layers, TextWriter output)
    {
        var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(output) });
        var table = new Table().AddColumns("layer (quantized alone)", "op", "output max |diff|", "output rel. error", "argmax agreement");
        foreach (var l in layers)
            table.AddRow(Markup.Escape(l.Node), l.OpType, l.Agreement.MaxAbsDiff.ToString("G3", CultureInfo.InvariantCulture),
                l.Agreement.RelativeError.ToString("G3", CultureInfo.InvariantCulture), l.Agreement.ArgmaxAgreement?.ToString("P2", CultureInfo.InvariantCulture) ?? "–");
        console.Write(table);
    }

    private static void PrintSteps(AccuracyDrivenResult result, TextWriter output)
    {
        foreach (var s in result.Steps)
        {
            var agreement = s.Agreement.ArgmaxAgreement is { } a ? ", argmax agreement " + a.ToString("P2", CultureInfo.InvariantCulture) : "";
            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"accuracy search: {s.Float.Count} layers in float → max |diff| {s.Agreement.MaxAbsDiff:G3}, rel. error {s.Agreement.RelativeError:G3}{agreement}"));
        }
        output.WriteLine(result.Chosen.Float.Count == 0 ? "kept in float: none (target met fully quantized)"
            : "kept in float (most sensitive first): " + string.Join(", ", result.Chosen.Float));
    }

    /// <summary>The per-layer table, then the totals: bytes, output agreement and latency, fp32 against quantized.</summary>
    public static void Print(QuantizationRecord record, QuantizationSummary summary, string target, TextWriter output)
    {
        var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(output) });
        var layers = new Table().AddColumns("layer", "op", "bits", "weight error", "bytes (fp32 → quantized)");
        foreach (var l in record.Layers)
            layers.AddRow(Markup.Escape(l.Node), l.OpType, l.Bits.ToString(CultureInfo.InvariantCulture),
                l.Error.ToString("F4", CultureInfo.InvariantCulture), $"{l.FloatBytes:N0} → {l.WeightBytes:N0}");
        console.Write(layers);
        string F(double? v, string format) => v is { } x ? x.ToString(format, CultureInfo.InvariantCulture) : "–";
        var totals = new Table().AddColumns("", "fp32", "quantized");
        totals.AddRow("file bytes", $"{summary.BytesBefore:N0}", $"{summary.BytesAfter:N0} ({(double)summary.BytesAfter / summary.BytesBefore:F3}×)");
        if (summary.Inputs > 0)
        {
            totals.AddRow($"output rel. error ({summary.Inputs} batches)", "0", F(summary.RelativeError, "G3"));
            totals.AddRow("output max |diff|", "0", F(summary.MaxAbsDiff, "G3"));
            if (summary.ArgmaxAgreement is { } agree) totals.AddRow("argmax agreement", "100 %", agree.ToString("P2", CultureInfo.InvariantCulture));
            totals.AddRow($"latency p50 ({summary.LatencyBefore!.Runs} runs)", $"{summary.LatencyBefore.P50Ms:F3} ms", $"{summary.LatencyAfter!.P50Ms:F3} ms");
        }
        console.Write(totals);
        var hint = summary.Inputs == 0 ? " (give --calib or --data-free to measure output agreement and latency)" : "";
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{record.FoldedBatchNorms} batch norms folded, {record.CalibratedActivations} activations calibrated, {record.BiasCorrected} biases corrected; wrote {target}{hint}"));
    }
}
