using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;

namespace Pare.Graph.Execution;

/// <summary>Time spent per op type, printed to stderr when the process exits. Off unless the environment variable
/// PARE_PROFILE is set (then every node is timed); a diagnostic for finding where an executor's time goes.
/// PARE_PROFILE=shapes keys the rows by op type, input shapes and group count instead of op type alone.</summary>
internal static class OpProfile
{
    private static readonly ConcurrentDictionary<string, List<long>> Times = new(StringComparer.Ordinal);

    public static readonly bool Enabled = Environment.GetEnvironmentVariable("PARE_PROFILE") is { Length: > 0 };

    /// <summary>Whether rows are keyed by input shapes too (PARE_PROFILE=shapes).</summary>
    public static readonly bool ByShape = Environment.GetEnvironmentVariable("PARE_PROFILE") == "shapes";

    /// <summary>The row a node's call is counted in.</summary>
    public static string Key(Node node, Pare.Core.Tensor?[] inputs)
    {
        if (!ByShape) return node.QualifiedOpType;
        var group = node.Attributes.Has("group") ? $" g{node.Attributes.Int("group")}" : "";
        return $"{node.QualifiedOpType}{group} " + string.Join(" ", inputs.Select(t => t is null ? "-" : t.Shape.ToString()));
    }

    static OpProfile()
    {
        if (Enabled) AppDomain.CurrentDomain.ProcessExit += (_, _) => Print(Console.Error);
    }

    public static void Add(string opType, long ticks)
    {
        var list = Times.GetOrAdd(opType, _ => []);
        lock (list) list.Add(ticks);
    }

    private static void Print(TextWriter writer)
    {
        // medians, not means: on a loaded machine a few descheduled calls would dominate a mean
        var rows = Times.Select(t =>
        {
            var sorted = t.Value.Order().ToArray();
            var median = sorted[sorted.Length / 2] * 1e6 / Stopwatch.Frequency;
            return (Op: t.Key, Calls: sorted.Length, Median: median, Total: median * sorted.Length);
        }).OrderByDescending(r => r.Total).ToList();
        var all = rows.Sum(r => r.Total);
        foreach (var r in rows)
            writer.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{r.Op,-40} {r.Total / 1000.0,10:0.000} ms {100.0 * r.Total / Math.Max(all, 1e-9),5:0.0}% {r.Calls,8} calls {r.Median,9:0.0} us/call (median)"));
    }
}
