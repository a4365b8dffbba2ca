using System.CommandLine;
using Pare.Core.Threading;
using Pare.Nn.Presets;
using Pare.Nn.Training;

namespace Pare.Cli.Commands;

/// <summary>Options shared by several commands.</summary>
internal static class CommonOptions
{
    public static Option<string> Data(bool required) => new("--data")
    {
        Description = $"data set: {string.Join(", ", DataCatalog.Names)}",
        Required = required,
    };

    public static Option<string> Model() => new("--model")
    {
        Description = $"model preset: {string.Join(", ", ModelPresets.All.Keys)}",
        Required = true,
    };

    public static Option<int?> Threads() => new("--threads")
    {
        Description = "worker threads (default: PARE_THREADS or the processor count)",
    };

    /// <summary>Applies --threads when given.</summary>
    public static void ApplyThreads(int? threads)
    {
        if (threads is null) return;
        if (threads < 1) throw new ArgumentOutOfRangeException(nameof(threads), threads, "--threads must be ≥ 1");
        Parallelism.SetThreadCount(threads.Value);
    }
}
