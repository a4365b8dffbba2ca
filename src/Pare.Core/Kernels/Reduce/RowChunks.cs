using Pare.Core.Threading;

namespace Pare.Core.Kernels.Reduce;

/// <summary>Splits independent rows into work items of about <see cref="Target"/> elements. The boundaries depend
/// only on the row count and length, never on the thread count, and small jobs stay on the calling thread.</summary>
internal static class RowChunks
{
    /// <summary>Elements per work item (and the size below which no thread is woken).</summary>
    public const int Target = 1 << 15;

    /// <summary>Runs body(start, end) over consecutive row ranges covering [0, rows).</summary>
    public static void For(int rows, int rowLength, Action<int, int> body)
    {
        if (rows <= 0) return;
        int perChunk = Math.Max(1, Target / Math.Max(rowLength, 1));
        int chunks = (rows + perChunk - 1) / perChunk;
        if (chunks == 1 || (long)rows * rowLength < Target)
        {
            body(0, rows);
            return;
        }
        Parallelism.For(chunks, c => body(c * perChunk, Math.Min(rows, (c + 1) * perChunk)));
    }
}
