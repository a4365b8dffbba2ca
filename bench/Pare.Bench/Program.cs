// Pare's benchmark tool: dotnet run -c Release --project bench/Pare.Bench -- [--threads N] [NAME-PREFIX ...]
// Prints one JSON object per line: {"name", "ms" (median after warm-up), "threads", ...}, row names equal to
// those of ../shared/peers/torch_bench.py so the two outputs can be paired.
using System.Diagnostics;
using System.Text.Json;
using Pare.Bench;
using Pare.Core.Threading;

int threads = 2;
var prefixes = new List<string>();
for (int i = 0; i < args.Length; i++)
{
    if (args[i] == "--threads" && i + 1 < args.Length && int.TryParse(args[i + 1], out int t) && t > 0)
    {
        threads = t;
        i++;
    }
    else if (args[i].StartsWith('-'))
    {
        Console.Error.WriteLine($"unknown option {args[i]}; usage: Pare.Bench [--threads N] [NAME-PREFIX ...]");
        return 2;
    }
    else
    {
        prefixes.Add(args[i]);
    }
}
Parallelism.SetThreadCount(threads);

var suites = typeof(IBenchSuite).Assembly.GetTypes()
    .Where(t => typeof(IBenchSuite).IsAssignableFrom(t) && !t.IsAbstract && !t.IsInterface)
    .OrderBy(t => t.Name, StringComparer.Ordinal)
    .Select(t => (IBenchSuite)Activator.CreateInstance(t)!);
foreach (var suite in suites)
{
    foreach (var c in suite.Cases())
    {
        if (prefixes.Count > 0 && !prefixes.Any(p => c.Name.StartsWith(p, StringComparison.Ordinal))) continue;
        var run = c.Setup();
        double ms = Median(run, c.Reps);
        var row = new Dictionary<string, object> { ["name"] = c.Name, ["ms"] = Math.Round(ms, 4), ["threads"] = threads, ["peer"] = "pare" };
        if (c.Flops > 0) row["gflops"] = Math.Round(c.Flops / ms / 1e6, 1);
        if (c.IntOps > 0) row["gops"] = Math.Round(c.IntOps / ms / 1e6, 1);
        if (c.Bytes > 0) row["gbps"] = Math.Round(c.Bytes / ms / 1e6, 1);
        if (c.Extra is not null) foreach (var (k, v) in c.Extra) row[k] = v;
        Console.WriteLine(JsonSerializer.Serialize(row));
    }
}
return 0;

// Warm-up: at least 40 runs and 1 s, so that tiered JIT (which promotes a method after 30 calls and a 100 ms
// back-off, and loops through on-stack replacement) has installed the final optimized code; then the median.
static double Median(Action run, int reps)
{
    var warm = Stopwatch.StartNew();
    for (int i = 0; i < 40 || warm.ElapsedMilliseconds < 1000; i++) run();
    var times = new double[reps];
    for (int i = 0; i < reps; i++)
    {
        long start = Stopwatch.GetTimestamp();
        run();
        times[i] = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
    }
    Array.Sort(times);
    return reps % 2 == 1 ? times[reps / 2] : (times[reps / 2 - 1] + times[reps / 2]) / 2;
}
