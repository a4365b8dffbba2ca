namespace Pare.Core;

/// <summary>Where ops get the arrays of the tensors they return. By default a fresh GC array, exactly as
/// <c>new T[n]</c> / <see cref="GC.AllocateUninitializedArray{T}(int, bool)"/>; while a <see cref="TensorArena"/> is
/// active on the calling thread (the inference executor sets one per run), an exact-size array rented from the
/// arena's <see cref="TensorPool"/>. Kernels' scratch memory never goes through here: only op outputs.</summary>
/// <remarks>The contract for code that allocates here: keep the array only through the tensor returned to the caller
/// (an op's output, or views of it). Never cache it (e.g. a packed weight kept across calls): once no value of the
/// run views it any more, the executor hands it to the next op.</remarks>
public static class TensorMemory
{
    // Thread-static so that concurrent runs, worker threads and everything outside a run allocate as usual.
    [ThreadStatic] private static TensorArena? _current;

    /// <summary>Arrays smaller than this (bytes) are always fresh: the GC hands out a small array faster than the
    /// pool's lock, lookup and reference counting would recycle it (measured on Silero VAD's many tiny tensors).</summary>
    public const int MinRentBytes = 1024;

    /// <summary>The arena op outputs are rented from on this thread, or null (plain allocation).</summary>
    public static TensorArena? Current => _current;

    /// <summary>An array of <paramref name="length"/> elements whose contents are unspecified: the caller writes
    /// every element.</summary>
    public static T[] Uninitialized<T>(int length) where T : unmanaged =>
        _current is { } arena && Rents<T>(length) ? arena.Rent<T>(length, zeroed: false) : GC.AllocateUninitializedArray<T>(length);

    /// <summary>A zero-filled array of <paramref name="length"/> elements.</summary>
    public static T[] Zeroed<T>(int length) where T : unmanaged =>
        _current is { } arena && Rents<T>(length) ? arena.Rent<T>(length, zeroed: true) : new T[length];

    private static bool Rents<T>(int length) where T : unmanaged =>
        (long)length * System.Runtime.CompilerServices.Unsafe.SizeOf<T>() >= MinRentBytes;

    /// <summary>Makes <paramref name="arena"/> (null: none) the current arena of this thread until the returned scope
    /// is disposed; scopes nest.</summary>
    public static Scope Use(TensorArena? arena)
    {
        var previous = _current;
        _current = arena;
        return new Scope(previous);
    }

    /// <summary>Restores the arena that was current before <see cref="Use"/>.</summary>
    public readonly struct Scope : IDisposable
    {
        private readonly TensorArena? _previous;

        internal Scope(TensorArena? previous) => _previous = previous;

        /// <summary>Restores the previous arena.</summary>
        public void Dispose() => _current = _previous;
    }
}
