namespace Pare.Core;

/// <summary>Arrays of dead tensors kept for reuse, by element type and exact length; shared by the runs of one
/// inference session and safe to use from several threads. It stays bounded: when a run ends, arrays that were
/// already pooled before it started and that it did not take are dropped (shapes changed, or fewer runs overlap
/// than before), so the pool holds about one run's worth of intermediate buffers per concurrent run.</summary>
public sealed class TensorPool
{
    private readonly Lock _lock = new();
    private readonly Dictionary<(Type Type, int Length), List<Entry>> _free = [];
    private long _epoch;
    private long _bytes;
    private int _count;

    /// <summary>Number of arrays waiting for reuse.</summary>
    public int PooledArrays
    {
        get { lock (_lock) return _count; }
    }

    /// <summary>Bytes held by the arrays waiting for reuse.</summary>
    public long PooledBytes
    {
        get { lock (_lock) return _bytes; }
    }

    /// <summary>Starts a run; returns its epoch, to pass to <see cref="EndRun"/>.</summary>
    internal long BeginRun()
    {
        lock (_lock) return ++_epoch;
    }

    /// <summary>Drops the arrays pooled before the run of <paramref name="epoch"/> began and not taken since.</summary>
    internal void EndRun(long epoch)
    {
        lock (_lock)
        {
            List<(Type, int)>? empty = null;
            foreach (var (key, list) in _free)
            {
                // lists are in return order (taken from the end), so the stale entries form a prefix
                var stale = 0;
                while (stale < list.Count && list[stale].Epoch < epoch)
                {
                    _bytes -= Buffer.ByteLength(list[stale].Array);
                    stale++;
                }
                if (stale == 0) continue;
                list.RemoveRange(0, stale);
                _count -= stale;
                if (list.Count == 0) (empty ??= []).Add(key);
            }
            if (empty is not null) foreach (var key in empty) _free.Remove(key);
        }
    }

    /// <summary>A pooled array of exactly <paramref name="length"/> elements, or null when there is none.</summary>
    internal T[]? TryTake<T>(int length) where T : unmanaged
    {
        lock (_lock)
        {
            if (!_free.TryGetValue((typeof(T), length), out var list) || list.Count == 0) return null;
            var array = (T[])list[^1].Array;
            list.RemoveAt(list.Count - 1);
            _count--;
            _bytes -= Buffer.ByteLength(array);
            return array;
        }
    }

    /// <summary>Puts <paramref name="array"/> (no longer read by anyone) up for reuse.</summary>
    internal void Return(Array array)
    {
        var key = (array.GetType().GetElementType()!, array.Length);
        lock (_lock)
        {
            if (!_free.TryGetValue(key, out var list)) _free[key] = list = [];
            list.Add(new Entry(array, _epoch));
            _count++;
            _bytes += Buffer.ByteLength(array);
        }
    }

    private readonly record struct Entry(Array Array, long Epoch);
}
