using Pare.Core.Autograd;

namespace Pare.Core;

/// <summary>An n-dimensional array: storage plus shape, strides and offset. Views (reshape, permute, slice,
/// expand, squeeze) share storage; <see cref="Contiguous"/> copies when needed. A float32 tensor can take part
/// in reverse-mode autograd (<see cref="RequiresGrad"/>, <see cref="Backward(Tensor?)"/>).</summary>
public sealed partial class Tensor
{
    private readonly int[] _strides;
    private bool _requiresGrad;

    internal Tensor(TensorStorage storage, Shape shape, int[] strides, int offset)
    {
        Storage = storage;
        Shape = shape;
        _strides = strides;
        Offset = offset;
        IsContiguous = ComputeContiguous(shape, strides);
    }

    internal Tensor(TensorStorage storage, Shape shape)
        : this(storage, shape, shape.ContiguousStrides(), 0)
    {
    }

    /// <summary>The memory this tensor views.</summary>
    public TensorStorage Storage { get; }

    /// <summary>Sizes of the dimensions.</summary>
    public Shape Shape { get; }

    /// <summary>Element strides per dimension (0 on broadcast dimensions).</summary>
    public ReadOnlySpan<int> Strides => _strides;

    /// <summary>Index of the first element in <see cref="Storage"/>.</summary>
    public int Offset { get; }

    /// <summary>Element type.</summary>
    public DType DType => Storage.DType;

    /// <summary>Number of dimensions.</summary>
    public int Rank => Shape.Rank;

    /// <summary>Number of elements.</summary>
    public int Count => Shape.ElementCount;

    /// <summary>True when the elements lie in row-major order without gaps, so <see cref="AsSpan{T}"/> works.</summary>
    public bool IsContiguous { get; }

    /// <summary>Whether gradients are recorded for this tensor. Only float32 leaves can be switched on; a
    /// result of an op on such tensors requires grad automatically.</summary>
    public bool RequiresGrad
    {
        get => _requiresGrad;
        set
        {
            if (value && DType != DType.Float32)
                throw new ArgumentException($"only float32 tensors can require grad, this one is {DType.Name()}");
            if (!value && GradFn is not null)
                throw new InvalidOperationException("cannot switch off RequiresGrad on a non-leaf tensor; use Detach()");
            _requiresGrad = value;
        }
    }

    /// <summary>Accumulated gradient of a leaf after <see cref="Backward(Tensor?)"/>; null before.</summary>
    public Tensor? Grad { get; set; }

    /// <summary>The op that produced this tensor, when it was recorded for autograd; null for leaves.</summary>
    public GradNode? GradFn { get; internal set; }

    /// <summary>True for tensors not produced by a recorded op.</summary>
    public bool IsLeaf => GradFn is null;

    /// <summary>Size of dimension <paramref name="axis"/> (negative counts from the end).</summary>
    public int Dim(int axis) => Shape[axis];

    /// <summary>The contiguous elements as a span; throws when the dtype differs or the tensor is a
    /// non-contiguous view (call <see cref="Contiguous"/> first).</summary>
    public Span<T> AsSpan<T>() where T : unmanaged
    {
        var s = TypedStorage<T>();
        if (!IsContiguous)
            throw new InvalidOperationException($"tensor of shape {Shape} with strides ({string.Join(", ", _strides)}) is not contiguous; call Contiguous() first");
        return s.Span.Slice(Offset, Count);
    }

    /// <summary>The storage typed as <typeparamref name="T"/>; throws naming both dtypes on a mismatch.</summary>
    public TensorStorage<T> TypedStorage<T>() where T : unmanaged =>
        Storage as TensorStorage<T> ?? throw new ArgumentException($"tensor holds {DType.Name()}, not {DTypes.Of<T>().Name()}");

    /// <summary>Copies the elements, in row-major logical order, into a new array.</summary>
    public T[] ToArray<T>() where T : unmanaged
    {
        var result = new T[Count];
        StridedCopy.Gather(TypedStorage<T>().Span, Offset, Shape.Dims, _strides, result);
        return result;
    }

    /// <summary>Element at a multi-index, as float (slow; for tests and debugging).</summary>
    [System.Runtime.CompilerServices.IndexerName("At")]
    public float this[params int[] index]
    {
        get
        {
            int at = ElementIndex(index);
            return DType switch
            {
                DType.Float32 => ((TensorStorage<float>)Storage).Span[at],
                DType.Int8 => ((TensorStorage<sbyte>)Storage).Span[at],
                DType.UInt8 => ((TensorStorage<byte>)Storage).Span[at],
                DType.Int32 => ((TensorStorage<int>)Storage).Span[at],
                DType.Int64 => ((TensorStorage<long>)Storage).Span[at],
                DType.Bool => ((TensorStorage<bool>)Storage).Span[at] ? 1f : 0f,
                _ => throw new InvalidOperationException(),
            };
        }
    }

    /// <summary>The single value of a one-element tensor.</summary>
    public float Item()
    {
        if (Count != 1)
            throw new InvalidOperationException($"Item() needs a tensor with one element, this one has shape {Shape}");
        return this[new int[Rank]];
    }

    private int ElementIndex(int[] index)
    {
        if (index.Length != Rank)
            throw new ArgumentException($"index of rank {index.Length} for a tensor of shape {Shape}");
        int at = Offset;
        for (int i = 0; i < index.Length; i++)
        {
            int d = Shape.Dims[i];
            int k = index[i] < 0 ? index[i] + d : index[i];
            if ((uint)k >= (uint)d)
                throw new ArgumentOutOfRangeException(nameof(index), $"index {index[i]} is out of range for dimension {i} of shape {Shape}");
            at += k * _strides[i];
        }
        return at;
    }

    private static bool ComputeContiguous(Shape shape, int[] strides)
    {
        int expected = 1;
        var dims = shape.Dims;
        for (int i = dims.Length - 1; i >= 0; i--)
        {
            if (dims[i] == 1) continue;
            if (strides[i] != expected) return false;
            expected *= dims[i];
        }
        return true;
    }

    /// <inheritdoc/>
    public override string ToString() =>
        $"Tensor{Shape} {DType.Name()}{(RequiresGrad ? " requires_grad" : "")}{(GradFn is null ? "" : $" grad_fn={GradFn.Op}")}";
}
