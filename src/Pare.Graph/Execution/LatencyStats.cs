using System.Diagnostics;
using Pare.Core;

namespace Pare.Graph.Execution;

/// <summary>Latency of repeated runs, in milliseconds. The median is the upper middle element of the sorted times
/// (<c>xs[n/2]</c>), as ../shared/peers/ort_bench.js takes it, so Pare's and ONNX Runtime's rows compare alike.</summary>
/// <param name="P50Ms">median</param>
/// <param name="P95Ms">95th percentile (nearest rank)</param>
/// <param name="MinMs">fastest run</param>
/// <param name="MeanMs">mean</param>
/// <param name="Runs">timed runs</param>
/// <param name="AllocatedMbPerRun">managed memory allocated per timed run</param>
/// <param name="GcPauseMsPerRun">garbage-collection pause per timed run</param>
public sealed record LatencyStats(double P50Ms, double P95Ms, double MinMs, double MeanMs, int Runs,
    double AllocatedMbPerRun, double GcPauseMsPerRun)
{
    /// <summary>Times <paramref name="runs"/> calls of <paramref name="session"/> on <paramref name="inputs"/> after
    /// <paramref name="warmup"/> untimed ones.</summary>
    public static LatencyStats Measure(InferenceSession session, IReadOnlyList<Tensor> inputs, int warmup, int runs)
    {
        ArgumentNullException.ThrowIfNull(session);
        ArgumentOutOfRangeException.ThrowIfNegative(warmup);
        ArgumentOutOfRangeException.ThrowIfLessThan(runs, 1);
        for (var i = 0; i < warmup; i++) session.Run(inputs);
        var times = new double[runs];
        var allocated = GC.GetTotalAllocatedBytes();
        var paused = GC.GetTotalPauseDuration();
        for (var i = 0; i < runs; i++)
        {
            var start = Stopwatch.GetTimestamp();
            session.Run(inputs);
            times[i] = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
        }
        var allocatedMb = (GC.GetTotalAllocatedBytes() - allocated) / 1048576.0 / runs;
        var pauseMs = (GC.GetTotalPauseDuration() - paused).TotalMilliseconds / runs;
        Array.Sort(times);
        var p95 = times[Math.Clamp((int)Math.Ceiling(0.95 * runs) - 1, 0, runs - 1)];
        return new LatencyStats(times[runs / 2], p95, times[0], times.Average(), runs, allocatedMb, pauseMs);
    }
}
