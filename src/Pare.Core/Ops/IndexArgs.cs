namespace Pare.Core.Ops;

// Validation shared by the indexing ops: runs before any kernel, so a bad index is an ArgumentException that
// names the value, the axis and the size instead of an IndexOutOfRangeException from inside a loop.
internal static class IndexArgs
{
    /// <summary>Throws unless <paramref name="index"/> holds int64 or int32.</summary>
    public static void RequireIntegral(Tensor index, string op, string name = "index")
    {
        ArgumentNullException.ThrowIfNull(index, name);
        if (index.DType is not (DType.Int64 or DType.Int32))
            throw new ArgumentException($"{op}: {name} must be int64 or int32, got {index.DType.Name()} of shape {index.Shape}", name);
    }

    /// <summary>Throws unless <paramref name="x"/> is float32.</summary>
    public static void RequireFloat(Tensor x, string op, string name = "x")
    {
        ArgumentNullException.ThrowIfNull(x, name);
        if (x.DType != DType.Float32)
            throw new ArgumentException($"{op}: {name} must be float32, got {x.DType.Name()} of shape {x.Shape}", name);
    }

    /// <summary>The indices in row-major order, each checked to lie in [0, <paramref name="size"/>) (negative
    /// indices are rejected, as PyTorch's gather, index_select and embedding reject them).</summary>
    public static int[] Read(Tensor index, int size, int axis, string op, string name = "index")
    {
        RequireIntegral(index, op, name);
        var result = new int[index.Count];
        if (index.DType == DType.Int64)
        {
            var values = index.ToArray<long>();
            for (int i = 0; i < values.Length; i++)
            {
                if ((ulong)values[i] >= (ulong)size) throw OutOfRange(op, values[i], axis, size, name);
                result[i] = (int)values[i];
            }
        }
        else
        {
            var values = index.ToArray<int>();
            for (int i = 0; i < values.Length; i++)
            {
                if ((uint)values[i] >= (uint)size) throw OutOfRange(op, values[i], axis, size, name);
                result[i] = values[i];
            }
        }
        return result;
    }

    private static ArgumentOutOfRangeException OutOfRange(string op, long value, int axis, int size, string name) =>
        new(name, value, $"{op}: index {value} is out of range for axis {axis} of size {size} (valid: 0 to {size - 1})");

    /// <summary>The tensor's elements as a contiguous span (a copy when it is a view).</summary>
    public static ReadOnlySpan<float> Floats(Tensor x) => x.IsContiguous ? x.AsSpan<float>() : x.ToArray<float>();

    /// <summary>Product of dims [from, to).</summary>
    public static int Product(ReadOnlySpan<int> dims, int from, int to)
    {
        int p = 1;
        for (int i = from; i < to; i++) p *= dims[i];
        return p;
    }
}
