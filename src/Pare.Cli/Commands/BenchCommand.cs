using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Pare.Core.Threading;
using Pare.Graph.Execution;
using Pare.Onnx;

namespace Pare.Cli.Commands;

/// <summary><c>pare bench MODEL.onnx --inputs DIR [--threads N] [--warmup N] [--runs N] [--json]</c>: p50/p95
/// latency of the inference executor. With --json the last line is a row shaped like
/// ../shared/peers/ort_bench.js prints ({"name": model file name, "ms": p50, "threads", "inputs", "outputs"}, plus
/// "p95" and "runs"), so Pare's and ONNX Runtime's rows pair up by name and threads.</summary>
internal static class BenchCommand
{
    public static Command Create(TextWriter output)
    {
        var model = new Argument<string>("MODEL") { Description = "ONNX model file" };
        var inputs = new Option<string>("--inputs") { Description = "folder with input_K.pb (ONNX TensorProto, K in the model's input order)", Required = true };
        var warmup = new Option<int>("--warmup") { Description = "untimed runs first (default 3, as ort_bench.js)", DefaultValueFactory = _ => 3 };
        var runs = new Option<int>("--runs") { Description = "timed runs (default 20)", DefaultValueFactory = _ => 20 };
        var json = new Option<bool>("--json") { Description = "end with one JSON row" };
        var threads = CommonOptions.Threads();
        var command = new Command("bench", "Latency (p50/p95) of an ONNX model on tensor files") { model, inputs, threads, warmup, runs, json };
        command.SetAction(parsed =>
        {
            CommonOptions.ApplyThreads(parsed.GetValue(threads));
            var path = parsed.GetValue(model)!;
            if (parsed.GetValue(runs) < 1) throw new ArgumentException("--runs must be ≥ 1");
            if (parsed.GetValue(warmup) < 0) throw new ArgumentException("--warmup must be ≥ 0");
            var session = new InferenceSession(OnnxModel.Load(path));
            var feeds = TestVectors.ReadInputs(parsed.GetValue(inputs)!, session.Inputs);
            var stats = LatencyStats.Measure(session, feeds, parsed.GetValue(warmup), parsed.GetValue(runs));
            var name = Path.GetFileName(path);
            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{name}: p50 {stats.P50Ms:0.####} ms, p95 {stats.P95Ms:0.####} ms, min {stats.MinMs:0.####} ms over {stats.Runs} runs, {Parallelism.ThreadCount} threads"));
            if (parsed.GetValue(json))
                output.WriteLine(JsonSerializer.Serialize(new
                {
                    name,
                    ms = Math.Round(stats.P50Ms, 4),
                    p95 = Math.Round(stats.P95Ms, 4),
                    threads = Parallelism.ThreadCount,
                    runs = stats.Runs,
                    alloc_mb = Math.Round(stats.AllocatedMbPerRun, 3),
                    gc_pause_ms = Math.Round(stats.GcPauseMsPerRun, 4),
                    inputs = session.Inputs.Select(i => i.Name),
                    outputs = session.Outputs.Select(o => o.Name),
                }));
            return ExitCodes.Ok;
        });
        return command;
    }
}
