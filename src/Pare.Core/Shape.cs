using System.Collections;
using System.Runtime.CompilerServices;

namespace Pare.Core;

/// <summary>An immutable list of dimension sizes. Every constructor checks that sizes are non-negative and that
/// the element count fits an array, so no kernel ever sees an overflowed product.</summary>
[CollectionBuilder(typeof(Shape), nameof(Create))]
public readonly struct Shape : IEquatable<Shape>, IReadOnlyList<int>
{
    private readonly int[]? _dims;
    private readonly int _count;

    /// <summary>Creates a shape; throws <see cref="ArgumentException"/> naming the shape when a size is negative
    /// or the product overflows the largest array .NET can hold.</summary>
    public Shape(params ReadOnlySpan<int> dims)
    {
        _dims = dims.ToArray();
        _count = CheckedCount(_dims);
    }

    private Shape(int[] owned, int count)
    {
        _dims = owned;
        _count = count;
    }

    /// <summary>Collection-expression builder: <c>Shape s = [2, 3];</c>.</summary>
    public static Shape Create(ReadOnlySpan<int> dims) => new(dims);

    /// <summary>Implicit conversion from an int array.</summary>
    public static implicit operator Shape(int[] dims) => new(dims);

    /// <summary>Number of dimensions.</summary>
    public int Rank => _dims?.Length ?? 0;

    /// <summary>Product of the sizes (1 for a scalar).</summary>
    public int ElementCount => _dims is null ? 1 : _count;

    /// <summary>The sizes.</summary>
    public ReadOnlySpan<int> Dims => _dims;

    /// <summary>Size of dimension <paramref name="axis"/>; negative axes count from the end.</summary>
    public int this[int axis] => _dims![NormalizeAxis(axis)];

    int IReadOnlyCollection<int>.Count => Rank;

    /// <summary>Maps a possibly negative axis into [0, Rank); throws naming the axis and the shape.</summary>
    public int NormalizeAxis(int axis)
    {
        int rank = Rank;
        int a = axis < 0 ? axis + rank : axis;
        if ((uint)a >= (uint)rank)
            throw new ArgumentOutOfRangeException(nameof(axis), axis, $"axis {axis} is out of range for shape {this} of rank {rank}");
        return a;
    }

    /// <summary>Row-major strides of a contiguous tensor of this shape.</summary>
    public int[] ContiguousStrides()
    {
        var strides = new int[Rank];
        int s = 1;
        for (int i = Rank - 1; i >= 0; i--)
        {
            strides[i] = s;
            s *= _dims![i];
        }
        return strides;
    }

    /// <summary>The shape with dimension <paramref name="axis"/> replaced by <paramref name="size"/>.</summary>
    public Shape With(int axis, int size)
    {
        var d = Dims.ToArray();
        d[NormalizeAxis(axis)] = size;
        return new Shape(d);
    }

    /// <summary>NumPy broadcasting of two shapes: align from the right, sizes equal or one of them 1.</summary>
    public static Shape Broadcast(Shape a, Shape b)
    {
        int rank = Math.Max(a.Rank, b.Rank);
        var d = new int[rank];
        for (int i = 0; i < rank; i++)
        {
            int da = i < rank - a.Rank ? 1 : a._dims![i - (rank - a.Rank)];
            int db = i < rank - b.Rank ? 1 : b._dims![i - (rank - b.Rank)];
            if (da != db && da != 1 && db != 1)
                throw new ArgumentException($"shapes {a} and {b} cannot be broadcast together (dimension {i}: {da} vs {db})");
            d[i] = da == 1 ? db : da;
        }
        return new Shape(d);
    }

    /// <summary>True when <paramref name="from"/> broadcasts to this shape.</summary>
    public bool IsBroadcastableFrom(Shape from)
    {
        if (from.Rank > Rank) return false;
        int lead = Rank - from.Rank;
        for (int i = 0; i < from.Rank; i++)
        {
            int f = from._dims![i];
            if (f != 1 && f != _dims![lead + i]) return false;
        }
        return true;
    }

    private static int CheckedCount(int[] dims)
    {
        long n = 1;
        foreach (int d in dims)
        {
            if (d < 0)
                throw new ArgumentException($"shape ({string.Join(", ", dims)}) has a negative dimension");
            n *= d;
            if (n > Array.MaxLength)
                throw new ArgumentException($"shape ({string.Join(", ", dims)}) holds more than {Array.MaxLength} elements");
        }
        return (int)n;
    }

    /// <summary>Wraps an array the caller promises never to mutate (internal fast path).</summary>
    internal static Shape Own(int[] dims) => new(dims, CheckedCount(dims));

    /// <inheritdoc/>
    public bool Equals(Shape other) => Dims.SequenceEqual(other.Dims);

    /// <inheritdoc/>
    public override bool Equals(object? obj) => obj is Shape s && Equals(s);

    /// <inheritdoc/>
    public override int GetHashCode()
    {
        var h = new HashCode();
        foreach (int d in Dims) h.Add(d);
        return h.ToHashCode();
    }

    /// <summary>Equality of sizes.</summary>
    public static bool operator ==(Shape a, Shape b) => a.Equals(b);

    /// <summary>Inequality of sizes.</summary>
    public static bool operator !=(Shape a, Shape b) => !a.Equals(b);

    /// <summary>PyTorch-like text: <c>(2, 3)</c>; a scalar prints as <c>()</c>.</summary>
    public override string ToString() => Rank == 1 ? $"({_dims![0]},)" : $"({string.Join(", ", _dims ?? [])})";

    /// <inheritdoc/>
    public IEnumerator<int> GetEnumerator() => ((IEnumerable<int>)(_dims ?? [])).GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
}
