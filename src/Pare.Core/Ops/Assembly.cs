using Pare.Core.Autograd;
using Pare.Core.Kernels.Indexing;

namespace Pare.Core.Ops;

/// <summary>Building tensors from parts and taking them apart: concat, split, stack, pad.</summary>
public static class Assembly
{
    /// <summary>Joins tensors along an existing axis. All must have the same dtype and rank and agree on every
    /// other axis; zero-sized parts are allowed.</summary>
    /// <param name="tensors">each (.., n_i, ..)</param>
    /// <param name="axis">the joined axis (negative counts from the end)</param>
    /// <returns>(.., Σ n_i, ..)</returns>
    [Op("concat")]
    public static Tensor Concat(IReadOnlyList<Tensor> tensors, int axis = 0)
    {
        const string Op = "concat";
        ArgumentNullException.ThrowIfNull(tensors);
        if (tensors.Count == 0) throw new ArgumentException($"{Op}: needs at least one tensor", nameof(tensors));
        var parts = tensors.ToArray();
        var first = parts[0] ?? throw new ArgumentNullException(nameof(tensors), $"{Op}: tensor 0 is null");
        int a = first.Shape.NormalizeAxis(axis);
        int total = 0;
        for (int i = 0; i < parts.Length; i++)
        {
            var t = parts[i] ?? throw new ArgumentNullException(nameof(tensors), $"{Op}: tensor {i} is null");
            if (t.DType != first.DType)
                throw new ArgumentException($"{Op}: tensor {i} is {t.DType.Name()} of shape {t.Shape}, tensor 0 is {first.DType.Name()} of shape {first.Shape}", nameof(tensors));
            if (!SameExcept(t.Shape, first.Shape, a))
                throw new ArgumentException($"{Op}: shape {t.Shape} of tensor {i} does not match shape {first.Shape} of tensor 0 outside axis {axis}", nameof(tensors));
            total += t.Shape[a];
        }
        var shape = first.Shape.With(a, total);
        int outer = IndexArgs.Product(shape.Dims, 0, a), inner = IndexArgs.Product(shape.Dims, a + 1, shape.Rank);
        var result = Tensor.Zeros(shape, first.DType);
        var starts = new int[parts.Length];
        for (int i = 0, at = 0; i < parts.Length; at += parts[i].Shape[a], i++)
        {
            starts[i] = at;
            Place(parts[i], outer, parts[i].Shape[a] * inner, result, total * inner, at * inner);
        }
        return Tape.Record(result, Op, parts, dOut =>
        {
            var grads = new Tensor?[parts.Length];
            for (int i = 0; i < parts.Length; i++)
                if (parts[i].RequiresGrad) grads[i] = dOut.Slice(a, starts[i], starts[i] + parts[i].Shape[a]).Contiguous();
            return grads;
        });
    }

    /// <summary>Splits into consecutive parts of the given sizes along <paramref name="axis"/>. Each part is a
    /// differentiable view (slice) of <paramref name="x"/>; the tape records the slices.</summary>
    /// <param name="x">(.., n, ..)</param>
    /// <param name="sizes">non-negative, summing to n</param>
    /// <param name="axis">the split axis</param>
    /// <returns>parts (.., sizes[i], ..)</returns>
    [Op("split")]
    public static Tensor[] Split(Tensor x, int[] sizes, int axis = 0)
    {
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(sizes);
        int a = x.Shape.NormalizeAxis(axis);
        long sum = 0;
        foreach (int s in sizes)
        {
            if (s < 0) throw new ArgumentException($"split: negative size in ({string.Join(", ", sizes)})", nameof(sizes));
            sum += s;
        }
        if (sum != x.Shape[a])
            throw new ArgumentException($"split: sizes ({string.Join(", ", sizes)}) sum to {sum}, not to size {x.Shape[a]} of axis {axis} in shape {x.Shape}", nameof(sizes));
        var parts = new Tensor[sizes.Length];
        for (int i = 0, at = 0; i < sizes.Length; at += sizes[i], i++)
            parts[i] = x.Slice(a, at, at + sizes[i]);
        return parts;
    }

    /// <summary>Splits into <paramref name="count"/> consecutive parts whose sizes differ by at most one, the
    /// larger ones first (numpy.array_split; PyTorch's split(int) means a part size instead).</summary>
    /// <param name="x">(.., n, ..)</param>
    /// <param name="count">number of parts, at least 1</param>
    /// <param name="axis">the split axis</param>
    /// <returns><paramref name="count"/> parts (.., n/count or n/count + 1, ..)</returns>
    public static Tensor[] SplitInto(Tensor x, int count, int axis = 0)
    {
        ArgumentNullException.ThrowIfNull(x);
        if (count < 1) throw new ArgumentOutOfRangeException(nameof(count), count, "split: count must be at least 1");
        int n = x.Shape[x.Shape.NormalizeAxis(axis)];
        var sizes = new int[count];
        for (int i = 0; i < count; i++) sizes[i] = n / count + (i < n % count ? 1 : 0);
        return Split(x, sizes, axis);
    }

    /// <summary>Stacks equal-shaped tensors along a new axis. Composed of unsqueeze and concat, so the tape
    /// records those ops.</summary>
    /// <param name="tensors">each (d_0, .., d_r)</param>
    /// <param name="axis">position of the new axis, in [−(r+2), r+1]</param>
    /// <returns>(d_0, .., count, .., d_r)</returns>
    [Op("stack")]
    public static Tensor Stack(IReadOnlyList<Tensor> tensors, int axis = 0)
    {
        ArgumentNullException.ThrowIfNull(tensors);
        if (tensors.Count == 0) throw new ArgumentException("stack: needs at least one tensor", nameof(tensors));
        var first = tensors[0] ?? throw new ArgumentNullException(nameof(tensors), "stack: tensor 0 is null");
        for (int i = 1; i < tensors.Count; i++)
        {
            var t = tensors[i] ?? throw new ArgumentNullException(nameof(tensors), $"stack: tensor {i} is null");
            if (t.Shape != first.Shape)
                throw new ArgumentException($"stack: shape {t.Shape} of tensor {i} differs from shape {first.Shape} of tensor 0 (axis {axis})", nameof(tensors));
        }
        int rank = first.Rank + 1;
        int a = axis < 0 ? axis + rank : axis;
        if ((uint)a >= (uint)rank)
            throw new ArgumentOutOfRangeException(nameof(axis), axis, $"stack: axis {axis} is out of range for shape {first.Shape} of rank {first.Rank}");
        return Concat(tensors.Select(t => t.Unsqueeze(a)).ToArray(), a);
    }

    /// <summary>torch.nn.functional.pad. <paramref name="pads"/> lists (before, after) pairs from the last axis
    /// backwards: (left, right, top, bottom, ..); fewer pairs than axes leave the leading axes alone. A negative
    /// pad crops. Reflect needs every pad smaller than its axis; replicate and wrap need a non-empty axis wherever they pad.
    /// Unlike PyTorch, reflect and replicate work on any axis and rank.</summary>
    /// <param name="x">(.., H, W) float32</param>
    /// <param name="pads">(left, right, top, bottom, ..), at most two per axis</param>
    /// <param name="mode">how the border is filled</param>
    /// <param name="value">fill value for <see cref="PadMode.Constant"/></param>
    /// <returns>(.., H + top + bottom, W + left + right)</returns>
    [Op("pad")]
    public static Tensor Pad(Tensor x, int[] pads, PadMode mode = PadMode.Constant, float value = 0f)
    {
        IndexArgs.RequireFloat(x, "pad");
        ArgumentNullException.ThrowIfNull(pads);
        if (pads.Length % 2 != 0 || pads.Length > 2 * x.Rank)
            throw new ArgumentException($"pad: pads ({string.Join(", ", pads)}) must be (before, after) pairs, at most one per axis of shape {x.Shape}", nameof(pads));
        var maps = new int[x.Rank][];
        var outDims = new int[x.Rank];
        for (int d = 0; d < x.Rank; d++)
        {
            int pair = x.Rank - 1 - d;
            int before = 2 * pair < pads.Length ? pads[2 * pair] : 0;
            int after = 2 * pair < pads.Length ? pads[2 * pair + 1] : 0;
            maps[d] = PadMap(x.Shape[d], before, after, mode, d, x.Shape);
            outDims[d] = maps[d].Length;
        }
        var srcDims = x.Shape.Dims.ToArray();
        var result = Tensor.Zeros(new Shape(outDims));
        PadKernel.Forward(IndexArgs.Floats(x), srcDims, maps, value, result.AsSpan<float>());
        return Tape.Record(result, "pad", [x], dOut =>
        {
            var dx = Tensor.Zeros(x.Shape);
            PadKernel.Backward(IndexArgs.Floats(dOut), srcDims, maps, dx.AsSpan<float>());
            return [dx];
        });
    }

    // Source coordinate of every output coordinate of one axis, −1 for the constant fill.
    private static int[] PadMap(int n, int before, int after, PadMode mode, int axis, Shape shape)
    {
        long size = (long)n + before + after;
        if (size < 0)
            throw new ArgumentException($"pad: pads ({before}, {after}) crop axis {axis} of shape {shape} below zero", nameof(before));
        if (mode == PadMode.Reflect && (before >= n || after >= n) && (before > 0 || after > 0))
            throw new ArgumentException($"pad: reflect pads ({before}, {after}) must be smaller than size {n} of axis {axis} in shape {shape}", nameof(before));
        if (mode is PadMode.Replicate or PadMode.Wrap && n == 0 && size > 0)
            throw new ArgumentException($"pad: {(mode == PadMode.Wrap ? "wrap" : "replicate")} cannot pad empty axis {axis} of shape {shape}", nameof(before));
        var map = new int[size];
        // one loop per mode (the mode does not change along the axis; audio front ends pad every run)
        switch (mode)
        {
            case PadMode.Constant:
                for (int o = 0; o < map.Length; o++) map[o] = (uint)(o - before) < (uint)n ? o - before : -1;
                break;
            case PadMode.Reflect:
                for (int o = 0; o < map.Length; o++)
                {
                    int i = o - before;
                    map[o] = i < 0 ? -i : i >= n ? 2 * (n - 1) - i : i;
                }
                break;
            case PadMode.Replicate:
                for (int o = 0; o < map.Length; o++) map[o] = Math.Clamp(o - before, 0, n - 1);
                break;
            case PadMode.Wrap:
                for (int o = 0; o < map.Length; o++) map[o] = (((o - before) % n) + n) % n;
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(mode), mode, "pad: unknown mode");
        }
        return map;
    }

    private static bool SameExcept(Shape s, Shape t, int axis)
    {
        if (s.Rank != t.Rank) return false;
        for (int d = 0; d < s.Rank; d++)
            if (d != axis && s[d] != t[d]) return false;
        return true;
    }

    private static void Place(Tensor part, int outer, int width, Tensor result, int resultWidth, int at)
    {
        switch (part.DType)
        {
            case DType.Float32: Place<float>(part, outer, width, result, resultWidth, at); break;
            case DType.Int8: Place<sbyte>(part, outer, width, result, resultWidth, at); break;
            case DType.UInt8: Place<byte>(part, outer, width, result, resultWidth, at); break;
            case DType.Int32: Place<int>(part, outer, width, result, resultWidth, at); break;
            case DType.Int64: Place<long>(part, outer, width, result, resultWidth, at); break;
            case DType.Bool: Place<bool>(part, outer, width, result, resultWidth, at); break;
            default: throw new ArgumentException($"concat: unsupported dtype {part.DType.Name()}");
        }
    }

    private static void Place<T>(Tensor part, int outer, int width, Tensor result, int resultWidth, int at) where T : unmanaged =>
        BlockCopy.Place<T>(part.IsContiguous ? part.AsSpan<T>() : part.ToArray<T>(), outer, width, result.AsSpan<T>(), resultWidth, at);
}
