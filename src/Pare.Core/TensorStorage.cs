namespace Pare.Core;

/// <summary>The memory behind one or more tensors (views share it). Backed by <see cref="Memory{T}"/> so that
/// a memory-mapped file (ONNX external data, safetensors) can stand in for a managed array.</summary>
public abstract class TensorStorage
{
    /// <summary>Element type.</summary>
    public abstract DType DType { get; }

    /// <summary>Number of elements.</summary>
    public abstract int Length { get; }

    /// <summary>The managed array behind the memory, or null (e.g. a memory-mapped file).</summary>
    internal abstract object? BackingArray { get; }
}

/// <summary>Storage of elements of type <typeparamref name="T"/>.</summary>
public sealed class TensorStorage<T> : TensorStorage where T : unmanaged
{
    private static readonly DType Type = DTypes.Of<T>();

    /// <summary>Wraps existing memory without copying.</summary>
    public TensorStorage(Memory<T> memory) => Memory = memory;

    /// <summary>The elements.</summary>
    public Memory<T> Memory { get; }

    /// <summary>The elements as a span.</summary>
    public Span<T> Span => Memory.Span;

    /// <inheritdoc/>
    public override DType DType => Type;

    /// <inheritdoc/>
    public override int Length => Memory.Length;

    internal override object? BackingArray =>
        System.Runtime.InteropServices.MemoryMarshal.TryGetArray<T>(Memory, out var segment) ? segment.Array : null;
}
