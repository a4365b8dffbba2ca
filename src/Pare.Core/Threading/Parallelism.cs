namespace Pare.Core.Threading;

/// <summary>The process-wide compute pool every kernel uses. Its size defaults to the PARE_THREADS environment
/// variable, else the processor count, and can be set with <see cref="SetThreadCount"/> (the bench tool's and
/// CLI's --threads).</summary>
public static class Parallelism
{
    private static WorkerPool _pool = new(DefaultThreadCount());

    /// <summary>Threads a parallel kernel uses.</summary>
    public static int ThreadCount => _pool.ThreadCount;

    /// <summary>Replaces the pool with one of <paramref name="threads"/> threads.</summary>
    public static void SetThreadCount(int threads)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(threads, 1);
        if (threads == _pool.ThreadCount) return;
        var old = Interlocked.Exchange(ref _pool, new WorkerPool(threads));
        old.Dispose();
    }

    /// <summary>Runs body(i) for i in [0, count) on the pool.</summary>
    public static void For(int count, Action<int> body) => _pool.For(count, body);

    private static int DefaultThreadCount()
    {
        var env = Environment.GetEnvironmentVariable("PARE_THREADS");
        return int.TryParse(env, out int n) && n > 0 ? n : Environment.ProcessorCount;
    }
}
