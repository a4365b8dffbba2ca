using System.CommandLine;
using System.Globalization;
using Pare.Compression.Quantization;
using Pare.Onnx;

namespace Pare.Cli.Commands;

/// <summary><c>pare quantize MODEL.onnx --out OUT.onnx [--mode weight-only|static|dynamic] [--bits 8|4|3|2]
/// [--granularity tensor|channel|group:N] [--calib DIR | --data-free] [--estimator minmax|percentile|mse|entropy]
/// [--weight-clipping minmax|mse] [--target-max-diff D] [--target-agreement A] [--feedback OUT=IN,...] [--sensitivity]</c></summary>
internal static class QuantizeCommand
{
    public static Command Create(TextWriter output)
    {
        var model = new Argument<string>("MODEL") { Description = "ONNX model to quantize" };
        var outPath = new Option<string>("--out") { Description = "quantized ONNX file to write (atomically)", Required = true };
        var mode = new Option<string>("--mode") { Description = "weight-only, static or dynamic", DefaultValueFactory = _ => "static" };
        var bits = new Option<int>("--bits") { Description = "weight bits: 8, or 4/3/2 (weight-only)", DefaultValueFactory = _ => 8 };
        var granularity = new Option<string>("--granularity") { Description = "tensor, channel or group:N", DefaultValueFactory = _ => "channel" };
        var calib = new Option<string?>("--calib") { Description = "folder of test_data_set_*/input_K.pb calibration batches (static mode)" };
        var calibBatches = new Option<int>("--calib-batches") { Description = "most test_data_set_* folders read from --calib (in name order)", DefaultValueFactory = _ => 64 };
        var dataFree = new Option<bool>("--data-free") { Description = "calibrate on inputs synthesized from the model's BatchNorm statistics (no data)" };
        var maxSize = new Option<string?>("--max-size") { Description = "largest output file, bytes with optional KB/MB suffix; bits are chosen per layer (needs --calib or --data-free)" };
        var estimator = new Option<string>("--estimator") { Description = "activation range estimator: minmax, percentile, mse, entropy", DefaultValueFactory = _ => "minmax" };
        var biasCorrection = new Option<bool>("--bias-correction") { Description = "correct each layer's bias for the output mean shift of its weight quantization (needs --calib or --data-free)" };
        var exclude = new Option<string?>("--exclude") { Description = "comma-separated node names left in float (weights and activations)" };
        var latencyRuns = new Option<int>("--latency-runs") { Description = "timed runs of fp32 and of the quantized model for the summary (on the first calibration batch)", DefaultValueFactory = _ => 10 };
        var dataFreeShape = new Option<string?>("--data-free-shape") { Description = "per-sample input dimensions for --data-free when the model declares symbolic ones, e.g. 3x48x192" };
        var dataFreeBatches = new Option<int>("--data-free-batches") { Description = "synthetic batches of 32 for --data-free", DefaultValueFactory = _ => 4 };
        var dataFreeSteps = new Option<int>("--data-free-steps") { Description = "Adam steps per synthetic batch for --data-free", DefaultValueFactory = _ => 200 };
        var dataFreeObjective = new Option<string>("--data-free-objective") { Description = "what --data-free synthesizes inputs for: bn (match the BatchNorm statistics) or logits (class-logit baseline, no BatchNorm needed)", DefaultValueFactory = _ => "bn" };
        var weightClipping = new Option<string>("--weight-clipping") { Description = "per-channel weight range: minmax, or mse (the clipping with the least squared weight error)", DefaultValueFactory = _ => "minmax" };
        var targetMaxDiff = new Option<double?>("--target-max-diff") { Description = "accuracy target: largest max |y_q − y| of the first output on the calibration batches; the most sensitive layers (measured) are kept in float until it holds" };
        var targetAgreement = new Option<double?>("--target-agreement") { Description = "accuracy target: smallest fraction of first-output rows whose argmax agrees with fp32 (1 = all), layers kept in float as for --target-max-diff" };
        var feedback = new Option<string?>("--feedback") { Description = "OUTPUT=INPUT[,...]: for an accuracy target, treat the calibration batches as one stream and feed these outputs (a recurrent state) back as the next batch's inputs" };
        var sensitivity = new Option<bool>("--sensitivity") { Description = "print each layer's measured sensitivity (output error with only that layer quantized) before quantizing" };
        var threads = CommonOptions.Threads();
        var command = new Command("quantize", "Post-training quantization to int8/int4, written as ONNX that ONNX Runtime runs")
        {
            model, outPath, mode, bits, granularity, calib, dataFree, maxSize, estimator, biasCorrection, exclude, latencyRuns, dataFreeShape, dataFreeBatches, dataFreeSteps, dataFreeObjective,
            calibBatches, weightClipping, targetMaxDiff, targetAgreement, feedback, sensitivity, threads,
        };
        command.SetAction(parsed =>
        {
            CommonOptions.ApplyThreads(parsed.GetValue(threads));
            var (gran, group) = ParseGranularity(parsed.GetValue(granularity)!);
            var options = new QuantizationOptions(ParseMode(parsed.GetValue(mode)!), parsed.GetValue(bits), gran, group, parsed.GetValue(estimator)!)
            {
                BiasCorrection = parsed.GetValue(biasCorrection),
                WeightEstimator = parsed.GetValue(weightClipping) is "minmax" or "mse" ? parsed.GetValue(weightClipping)! : throw new ArgumentException($"--weight-clipping must be minmax or mse, got '{parsed.GetValue(weightClipping)}'"),
                LayerBits = parsed.GetValue(exclude) is { } names
                    ? names.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).ToDictionary(n => n, _ => 32, StringComparer.Ordinal)
                    : null,
            };
            var source = parsed.GetValue(model)!;
            var fp32 = OnnxModel.Load(source);
            var calibDir = parsed.GetValue(calib);
            if (calibDir is not null && parsed.GetValue(dataFree)) throw new ArgumentException("give either --calib DIR or --data-free, not both");
            var batches = calibDir is not null ? CalibrationData.Load(calibDir, fp32.Graph.Inputs, parsed.GetValue(calibBatches))
                : parsed.GetValue(dataFree) ? DataFreeCalibration.Synthesize(fp32, parsed.GetValue(dataFreeBatches), steps: parsed.GetValue(dataFreeSteps),
                    sampleShape: parsed.GetValue(dataFreeShape)?.Split('x').Select(d => int.Parse(d, CultureInfo.InvariantCulture)).ToArray(),
                    objective: ParseObjective(parsed.GetValue(dataFreeObjective)!)) : null;
            if (parsed.GetValue(maxSize) is { } budgetText)
            {
                var budget = ParseSize(budgetText);
                if (batches is null) throw new ArgumentException("--max-size needs --calib DIR or --data-free: layer sensitivities are measured on inputs");
                var allocation = BudgetAllocation.Allocate(fp32, options with { Granularity = Granularity.Group }, budget, batches);
                options = options with { Granularity = Granularity.Group, LayerBits = allocation.LayerBits };
            }
            var measure = new AccuracyTarget(parsed.GetValue(targetMaxDiff), parsed.GetValue(targetAgreement), ParseFeedback(parsed.GetValue(feedback)));
            var target = measure.MaxAbsDiff is null && measure.MinArgmaxAgreement is null ? null : measure;
            if (measure.Feedback is not null && target is null && !parsed.GetValue(sensitivity))
                throw new ArgumentException("--feedback applies to --target-max-diff, --target-agreement and --sensitivity, and none was given");
            if ((target is not null || parsed.GetValue(sensitivity)) && batches is null)
                throw new ArgumentException("--target-max-diff, --target-agreement and --sensitivity need --calib DIR or --data-free: sensitivity is measured on inputs");
            if (target is not null && parsed.GetValue(maxSize) is not null)
                throw new ArgumentException("give either --max-size or an accuracy target (--target-max-diff, --target-agreement), not both: the target's search keeps layers in float after the budget's allocation, so the file could exceed the budget");
            // with a target, the search measures the sensitivities itself and they are printed from it
            if (parsed.GetValue(sensitivity) && target is null)
                QuantizeDisplay.PrintSensitivity(SensitivityAnalysis.Measure(fp32, options, batches!, measure), output);
            var (quantized, record, summary) = QuantizeDisplay.Run(fp32, options, batches, parsed.GetValue(latencyRuns), output, target, parsed.GetValue(sensitivity));
            var outFile = parsed.GetValue(outPath)!;
            OnnxModel.Save(quantized, outFile);
            QuantizeDisplay.Print(record, summary, outFile, output);
            return ExitCodes.Ok;
        });
        return command;
    }

    /// <summary>Bytes from "123", "40KB", "1.5MB" (KB = 1000 bytes, KiB = 1024, likewise MB/MiB).</summary>
    internal static long ParseSize(string s)
    {
        var t = s.Trim();
        (string Suffix, double Factor)[] units = [("KiB", 1024), ("MiB", 1 << 20), ("KB", 1e3), ("MB", 1e6), ("K", 1e3), ("M", 1e6), ("B", 1)];
        var factor = 1.0;
        foreach (var (suffix, f) in units)
            if (t.EndsWith(suffix, StringComparison.OrdinalIgnoreCase)) { t = t[..^suffix.Length].Trim(); factor = f; break; }
        if (!double.TryParse(t, NumberStyles.Float, CultureInfo.InvariantCulture, out var v) || !(v > 0) || double.IsInfinity(v))
            throw new ArgumentException($"--max-size must be a positive size like 400000, 400KB or 1.5MB, got '{s}'");
        return (long)(v * factor);
    }

    /// <summary>"stateN=state,hn=h" → [(stateN, state), (hn, h)].</summary>
    internal static List<(string Output, string Input)>? ParseFeedback(string? s) => s is null ? null :
        [.. s.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(p => p.Split('=', StringSplitOptions.TrimEntries) is [{ Length: > 0 } o, { Length: > 0 } i]
            ? (o, i) : throw new ArgumentException($"--feedback takes OUTPUT=INPUT pairs separated by commas, got '{p}'"))];

    private static QuantizationMode ParseMode(string s) => s switch
    {
        "weight-only" => QuantizationMode.WeightOnly,
        "static" => QuantizationMode.Static,
        "dynamic" => QuantizationMode.Dynamic,
        _ => throw new ArgumentException($"--mode must be weight-only, static or dynamic, got '{s}'"),
    };

    private static DataFreeObjective ParseObjective(string s) => s switch
    {
        "bn" => DataFreeObjective.BatchNormStatistics,
        "logits" => DataFreeObjective.ClassLogits,
        _ => throw new ArgumentException($"--data-free-objective must be bn or logits, got '{s}'"),
    };

    private static (Granularity, int) ParseGranularity(string s)
    {
        if (s == "tensor") return (Granularity.Tensor, 32);
        if (s == "channel") return (Granularity.Channel, 32);
        if (s.StartsWith("group:", StringComparison.Ordinal) && int.TryParse(s.AsSpan(6), NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n > 0)
            return (Granularity.Group, n);
        throw new ArgumentException($"--granularity must be tensor, channel or group:N, got '{s}'");
    }
}
