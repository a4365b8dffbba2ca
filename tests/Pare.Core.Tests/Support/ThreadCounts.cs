using Pare.Core.Threading;

namespace Pare.Core.Tests.Support;

/// <summary>Runs a body with the compute pool at a given size, then restores it. Tests using it change process-wide
/// state, so their class belongs to the <c>ThreadCountSerial</c> collection.</summary>
internal static class ThreadCounts
{
    /// <summary>Runs <paramref name="body"/> with <paramref name="threads"/> pool threads (so a "parallel" path really
    /// splits, whatever the machine's processor count).</summary>
    public static void With(int threads, Action body)
    {
        int saved = Parallelism.ThreadCount;
        Parallelism.SetThreadCount(threads);
        try { body(); }
        finally { Parallelism.SetThreadCount(saved); }
    }
}
