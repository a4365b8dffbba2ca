using Pare.Core;
using Pare.Core.Random;

namespace Pare.Nn.Data;

/// <summary>Mini-batching: index batches in order or shuffled by a seeded generator, and row gathers that turn
/// an index batch into a contiguous (B, ...) tensor.</summary>
public static class Batches
{
    /// <summary>Consecutive index batches over [0, <paramref name="count"/>), shuffled first when a generator is
    /// given (one permutation per call, i.e. per epoch).</summary>
    public static IEnumerable<int[]> Indices(int count, int batchSize, Rng? shuffle = null, bool dropLast = false)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        ArgumentOutOfRangeException.ThrowIfLessThan(batchSize, 1);
        var order = new int[count];
        for (int i = 0; i < count; i++) order[i] = i;
        shuffle?.Shuffle(order.AsSpan());
        for (int start = 0; start < count; start += batchSize)
        {
            int n = Math.Min(batchSize, count - start);
            if (n < batchSize && dropLast) yield break;
            yield return order[start..(start + n)];
        }
    }

    /// <summary>Rows <paramref name="rows"/> of <paramref name="source"/> (N, ...) as a new (B, ...) tensor.</summary>
    public static Tensor GatherRows(Tensor source, ReadOnlySpan<int> rows)
    {
        ArgumentNullException.ThrowIfNull(source);
        return source.DType switch
        {
            DType.Float32 => Gather<float>(source, rows),
            DType.Int64 => Gather<long>(source, rows),
            DType.Int32 => Gather<int>(source, rows),
            DType.UInt8 => Gather<byte>(source, rows),
            _ => throw new ArgumentException($"cannot batch a {source.DType.Name()} tensor"),
        };
    }

    private static Tensor Gather<T>(Tensor source, ReadOnlySpan<int> rows) where T : unmanaged
    {
        var src = source.Contiguous().AsSpan<T>();
        int n = source.Shape[0];
        int rowSize = n == 0 ? 0 : source.Count / n;
        var dims = source.Shape.Dims.ToArray();
        dims[0] = rows.Length;
        var result = new T[rows.Length * rowSize];
        for (int i = 0; i < rows.Length; i++)
        {
            int r = rows[i];
            if ((uint)r >= (uint)n) throw new ArgumentOutOfRangeException(nameof(rows), r, $"row {r} is outside a data set of {n} rows");
            src.Slice(r * rowSize, rowSize).CopyTo(result.AsSpan(i * rowSize, rowSize));
        }
        return Tensor.Wrap(result, dims);
    }
}
