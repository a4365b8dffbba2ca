using System.Runtime.InteropServices;

namespace Pare.Core;

/// <summary>One run's lease on a <see cref="TensorPool"/>: while current (<see cref="TensorMemory.Use"/>) it rents
/// the arrays of op outputs from the pool, and it counts the live values that view each rented array, so that the
/// executor can give an array back once its last reader has run. Only arrays rented here are ever given back:
/// initializers, graph inputs and anything allocated elsewhere pass through untouched. One thread at a time.</summary>
public sealed class TensorArena : IDisposable
{
    private readonly TensorPool _pool;
    private readonly long _epoch;
    // rented array → number of live values viewing it (reference identity: arrays of equal contents are distinct)
    private readonly Dictionary<object, int> _references = new(ReferenceEqualityComparer.Instance);
    // arrays rented since the last EndOp
    private readonly List<object> _recent = [];
    private bool _disposed;

    /// <summary>Starts a run on <paramref name="pool"/>.</summary>
    public TensorArena(TensorPool pool)
    {
        ArgumentNullException.ThrowIfNull(pool);
        _pool = pool;
        _epoch = pool.BeginRun();
    }

    /// <summary>Arrays rented during this run.</summary>
    public int Rented { get; private set; }

    /// <summary>Of <see cref="Rented"/>, how many came from the pool rather than a fresh allocation.</summary>
    public int Reused { get; private set; }

    internal T[] Rent<T>(int length, bool zeroed) where T : unmanaged
    {
        var array = _pool.TryTake<T>(length);
        if (array is null)
        {
            array = zeroed ? new T[length] : GC.AllocateUninitializedArray<T>(length);
        }
        else
        {
            Reused++;
            if (zeroed) Array.Clear(array);
        }
        Rented++;
        _references.Add(array, 0);
        _recent.Add(array);
        return array;
    }

    /// <summary>Called after an op's outputs have been counted (<see cref="AddReference"/>): the arrays it rented that
    /// no output views were its temporaries (a composite op's inner results, subgraph values) and go back to the
    /// pool. This relies on the contract of <see cref="TensorMemory"/>: an op keeps nothing it rented beyond its call
    /// except through its outputs.</summary>
    public void EndOp()
    {
        foreach (var array in _recent)
        {
            if (!_references.TryGetValue(array, out var count) || count > 0) continue;
            _references.Remove(array);
            _pool.Return((Array)array);
        }
        _recent.Clear();
    }

    /// <summary>Counts one more live value viewing <paramref name="value"/>'s array, if it was rented here.</summary>
    public void AddReference(Tensor value)
    {
        ArgumentNullException.ThrowIfNull(value);
        if (value.Storage.BackingArray is not { } array) return;
        ref var count = ref CollectionsMarshal.GetValueRefOrNullRef(_references, array);
        if (!System.Runtime.CompilerServices.Unsafe.IsNullRef(ref count)) count++;
    }

    /// <summary>Counts one live value viewing <paramref name="value"/>'s array less; when none is left, the array
    /// goes back to the pool and must no longer be read through any tensor.</summary>
    public void Release(Tensor value)
    {
        ArgumentNullException.ThrowIfNull(value);
        if (value.Storage.BackingArray is not { } array) return;
        ref var count = ref CollectionsMarshal.GetValueRefOrNullRef(_references, array);
        if (System.Runtime.CompilerServices.Unsafe.IsNullRef(ref count) || count == 0 || --count > 0) return;
        _references.Remove(array);
        _pool.Return((Array)array);
    }

    /// <summary>Hands <paramref name="value"/>'s array to the caller for good: it is never given back to the pool
    /// (a graph output's own slot already holds a reference to the end of the run; this makes the hand-over explicit
    /// and independent of that).</summary>
    public void Keep(Tensor value)
    {
        ArgumentNullException.ThrowIfNull(value);
        if (value.Storage.BackingArray is { } array) _references.Remove(array);
    }

    /// <summary>Ends the run: the pool drops what this run did not reuse.</summary>
    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        _pool.EndRun(_epoch);
    }
}
