using System.CommandLine;
using System.Globalization;
using Pare.Compression.Quantization;
using Pare.Onnx;

namespace Pare.Cli.Commands;

/// <summary><c>pare quantize MODEL.onnx --out OUT.onnx [--mode weight-only|static|dynamic] [--bits 8|4|3|2]
/// [--granularity tensor|channel|group:N] [--calib DIR | --data-free] [--estimator minmax|percentile|mse|entropy]</c></summary>
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
        var dataFree = new Option<bool>("--data-free") { Description = "calibrate on inputs synthesized from the model's BatchNorm statistics (no data)" };
        var maxSize = new Option<string?>("--max-size") { Description = "largest output file, bytes with optional KB/MB suffix; bits are chosen per layer (needs --calib or --data-free)" };
        var estimator = new Option<string>("--estimator") { Description = "activation range estimator: minmax, percentile, mse, entropy", DefaultValueFactory = _ => "minmax" };
        var biasCorrection = new Option<bool>("--bias-correction") { Description = "correct each layer's bias for the output mean shift of its weight quantization (needs --calib or --data-free)" };
        var exclude = new Option<string?>("--exclude") { Description = "comma-separated node names left in float (weights and activations)" };
        var latencyRuns = new Option<int>("--latency-runs") { Description = "timed runs of fp32 and of the quantized model for the summary (on the first calibration batch)", DefaultValueFactory = _ => 10 };
        var dataFreeShape = new Option<string?>("--data-free-shape") { Description = "per-sample input dimensions for --data-free when the model declares symbolic ones, e.g. 3x48x192" };
        var dataFreeBatches = new Option<int>("--data-free-batches") { Description = "synthetic batches of 32 for --data-free", DefaultValueFactory = _ => 4 };
        var dataFreeSteps = new Option<int>("--data-free-steps") { Description = "Adam steps per synthetic batch for --data-free", DefaultValueFactory = _ => 200 };
        var threads = CommonOptions.Threads();
        var command = new Command("quantize", "Post-training quantization to int8/int4, written as ONNX that ONNX Runtime runs")
        {
            model, outPath, mode, bits, granularity, calib, dataFree, maxSize, estimator, biasCorrection, exclude, latencyRuns, dataFreeShape, dataFreeBatches, dataFreeSteps, threads,
        };
        command.SetAction(parsed =>
        {
            CommonOptions.ApplyThreads(parsed.GetValue(threads));
            var (gran, group) = ParseGranularity(parsed.GetValue(granularity)!);
            var options = new QuantizationOptions(ParseMode(parsed.GetValue(mode)!), parsed.GetValue(bits), gran, group, parsed.GetValue(estimator)!)
            {
                BiasCorrection = parsed.GetValue(biasCorrection),
                LayerBits = parsed.GetValue(exclude) is { } names
                    ? names.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).ToDictionary(n => n, _ => 32, StringComparer.Ordinal)
                    : null,
            };
            var source = parsed.GetValue(model)!;
            var fp32 = OnnxModel.Load(source);
            var calibDir = parsed.GetValue(calib);
            if (calibDir is not null && parsed.GetValue(dataFree)) throw new ArgumentException("give either --calib DIR or --data-free, not both");
            var batches = calibDir is not null ? CalibrationData.Load(calibDir, fp32.Graph.Inputs)
                : parsed.GetValue(dataFree) ? DataFreeCalibration.Synthesize(fp32, parsed.GetValue(dataFreeBatches), steps: parsed.GetValue(dataFreeSteps),
                    sampleShape: parsed.GetValue(dataFreeShape)?.Split('x').Select(d => int.Parse(d, CultureInfo.InvariantCulture)).ToArray()) : null;
            if (parsed.GetValue(maxSize) is { } budgetText)
            {
                var budget = ParseSize(budgetText);
                if (batches is null) throw new ArgumentException("--max-size needs --calib DIR or --data-free: layer sensitivities are measured on inputs");
                var allocation = BudgetAllocation.Allocate(fp32, options with { Granularity = Granularity.Group }, budget, batches);
                var excluded = options.LayerBits ?? new Dictionary<string, int>();
                options = options with
                {
                    Granularity = Granularity.Group,
                    LayerBits = allocation.LayerBits.ToDictionary(kv => kv.Key, kv => excluded.ContainsKey(kv.Key) ? 32 : kv.Value, StringComparer.Ordinal),
                };
            }
            var (quantized, record, summary) = QuantizeDisplay.Run(fp32, options, batches, parsed.GetValue(latencyRuns), output);
            var target = parsed.GetValue(outPath)!;
            OnnxModel.Save(quantized, target);
            QuantizeDisplay.Print(record, summary, target, output);
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

    private static QuantizationMode ParseMode(string s) => s switch
    {
        "weight-only" => QuantizationMode.WeightOnly,
        "static" => QuantizationMode.Static,
        "dynamic" => QuantizationMode.Dynamic,
        _ => throw new ArgumentException($"--mode must be weight-only, static or dynamic, got '{s}'"),
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
