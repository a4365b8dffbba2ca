using System.Numerics;
using Pare.Core;

namespace Pare.Graph.Ops.Onnx;

/// <summary>Dtype-generic element moves for the shape and indexing ops on non-float tensors (shape arithmetic on
/// int64, masks on bool): every output element is read from one flat input position (a map), or written into one
/// (a scatter). Float32 paths use the differentiable Core ops instead; these loops are not recorded.</summary>
internal static class ElementMaps
{
    /// <summary>out[i] = x[map[i]] (x in row-major order), or <paramref name="fill"/>'s single value (zero when
    /// null) where map[i] is −1.</summary>
    public static Tensor Take(Tensor x, int[] map, Shape shape, Tensor? fill = null) => x.DType switch
    {
        DType.Float32 => Take<float>(x, map, shape, fill),
        DType.Int8 => Take<sbyte>(x, map, shape, fill),
        DType.UInt8 => Take<byte>(x, map, shape, fill),
        DType.Int32 => Take<int>(x, map, shape, fill),
        DType.Int64 => Take<long>(x, map, shape, fill),
        DType.Bool => Take<bool>(x, map, shape, fill),
        _ => throw new ArgumentException($"unsupported dtype {x.DType.Name()}"),
    };

    private static Tensor Take<T>(Tensor x, int[] map, Shape shape, Tensor? fill) where T : unmanaged
    {
        var src = x.IsContiguous ? x.AsSpan<T>() : x.ToArray<T>();
        var value = fill is null ? default : fill.To(x.DType).ToArray<T>()[0];
        var dst = new T[map.Length];
        for (int i = 0; i < map.Length; i++) dst[i] = map[i] < 0 ? value : src[map[i]];
        return Tensor.Wrap(dst, shape);
    }

    /// <summary>How <see cref="Scatter"/> combines an update with the value already there.</summary>
    public enum Reduction { None, Add, Mul, Max, Min }

    /// <summary>Parses ONNX's <c>reduction</c> attribute.</summary>
    public static Reduction ParseReduction(OpContext c)
    {
        var text = c.Attributes.String("reduction", "none");
        return text switch
        {
            "none" => Reduction.None,
            "add" => Reduction.Add,
            "mul" => Reduction.Mul,
            "max" when c.Opset >= 18 => Reduction.Max,
            "min" when c.Opset >= 18 => Reduction.Min,
            _ => throw c.Fail($"reduction '{text}' is not one of none, add, mul{(c.Opset >= 18 ? ", max, min" : "")}"),
        };
    }

    /// <summary>A copy of <paramref name="data"/> where, for every i in order, out[positions[i]] is combined with
    /// updates[i] (row-major) by <paramref name="reduction"/>; each position addresses a block of
    /// <paramref name="block"/> consecutive elements.</summary>
    public static Tensor Scatter(Tensor data, int[] positions, int block, Tensor updates, Reduction reduction) => data.DType switch
    {
        DType.Float32 => ScatterNumber<float>(data, positions, block, updates, reduction),
        DType.Int8 => ScatterNumber<sbyte>(data, positions, block, updates, reduction),
        DType.UInt8 => ScatterNumber<byte>(data, positions, block, updates, reduction),
        DType.Int32 => ScatterNumber<int>(data, positions, block, updates, reduction),
        DType.Int64 => ScatterNumber<long>(data, positions, block, updates, reduction),
        DType.Bool => ScatterBool(data, positions, block, updates, reduction),
        _ => throw new ArgumentException($"unsupported dtype {data.DType.Name()}"),
    };

    private static Tensor ScatterNumber<T>(Tensor data, int[] positions, int block, Tensor updates, Reduction reduction)
        where T : unmanaged, INumber<T>
    {
        var dst = data.ToArray<T>();
        var src = updates.ToArray<T>();
        for (int i = 0; i < positions.Length; i++)
        {
            int at = positions[i];
            for (int j = 0; j < block; j++)
            {
                ref var d = ref dst[at + j];
                var u = src[i * block + j];
                d = reduction switch
                {
                    Reduction.Add => d + u,
                    Reduction.Mul => d * u,
                    Reduction.Max => T.Max(d, u),
                    Reduction.Min => T.Min(d, u),
                    _ => u,
                };
            }
        }
        return Tensor.Wrap(dst, data.Shape);
    }

    // bool as a ring: add is or, mul is and, max is or, min is and.
    private static Tensor ScatterBool(Tensor data, int[] positions, int block, Tensor updates, Reduction reduction)
    {
        var dst = data.ToArray<bool>();
        var src = updates.ToArray<bool>();
        for (int i = 0; i < positions.Length; i++)
            for (int j = 0; j < block; j++)
            {
                ref var d = ref dst[positions[i] + j];
                var u = src[i * block + j];
                d = reduction switch
                {
                    Reduction.Add or Reduction.Max => d | u,
                    Reduction.Mul or Reduction.Min => d & u,
                    _ => u,
                };
            }
        return Tensor.Wrap(dst, data.Shape);
    }

    /// <summary>Row-major strides of <paramref name="dims"/>.</summary>
    public static int[] Strides(ReadOnlySpan<int> dims)
    {
        var s = new int[dims.Length];
        for (int i = dims.Length - 1, acc = 1; i >= 0; acc *= dims[i], i--) s[i] = acc;
        return s;
    }

    /// <summary>Product of dims [from, to).</summary>
    public static int Product(ReadOnlySpan<int> dims, int from, int to)
    {
        int p = 1;
        for (int i = from; i < to; i++) p *= dims[i];
        return p;
    }
}
