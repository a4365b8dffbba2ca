using Pare.Core;
using CoreOps = Pare.Core.Ops;

namespace Pare.Graph.Ops.Onnx;

/// <summary>Ops that describe or make tensors from shapes: Shape, Size, ConstantOfShape, Range, EyeLike, Trilu.</summary>
internal static class Generators
{
    [OnnxOp("Shape")]
    public static Tensor?[] Shape(OpContext c)
    {
        var x = c.Input(0);
        int rank = x.Rank;
        long start = c.Opset >= 15 ? c.Attributes.Int("start", 0) : 0;
        long end = c.Opset >= 15 ? c.Attributes.Int("end", rank) : rank;
        int s = (int)Math.Clamp(start < 0 ? start + rank : start, 0, rank);
        int e = (int)Math.Clamp(end < 0 ? end + rank : end, 0, rank);
        var dims = new long[Math.Max(0, e - s)];
        for (int i = 0; i < dims.Length; i++) dims[i] = x.Shape[s + i];
        return [Tensor.FromSpan<long>(dims)];
    }

    [OnnxOp("Size")]
    public static Tensor?[] Size(OpContext c) => [Tensor.Wrap(new long[] { c.Input(0).Count }, default)];

    [OnnxOp("ConstantOfShape")]
    public static Tensor?[] ConstantOfShape(OpContext c)
    {
        var shape = c.Longs(c.Input(0), "shape");
        var dims = Array.ConvertAll(shape, v => c.Size(v, "shape value"));
        var value = c.Attributes.Tensor("value") ?? Tensor.Scalar(0f);
        if (value.Count != 1) throw c.Fail($"value must hold one element, has shape {value.Shape}");
        return [value.Reshape().Expand(dims).Contiguous()];
    }

    [OnnxOp("Range")]
    public static Tensor?[] Range(OpContext c)
    {
        Tensor start = c.Input(0), limit = c.Input(1), delta = c.Input(2);
        if (limit.DType != start.DType || delta.DType != start.DType)
            throw c.Fail($"start, limit and delta must share a type, got {start.DType.Name()}, {limit.DType.Name()}, {delta.DType.Name()}");
        switch (start.DType)
        {
            case DType.Float32:
            {
                float s = start.ToArray<float>()[0], l = limit.ToArray<float>()[0], d = delta.ToArray<float>()[0];
                int n = Count(c, Math.Ceiling(((double)l - s) / d), d == 0);
                var v = new float[n];
                for (int i = 0; i < n; i++) v[i] = s + i * d;
                return [Tensor.FromSpan<float>(v)];
            }
            case DType.Int32 or DType.Int64:
            {
                long s = c.Longs(start, "start")[0], l = c.Longs(limit, "limit")[0], d = c.Longs(delta, "delta")[0];
                int n = Count(c, d == 0 ? 0 : Math.Ceiling(((double)l - s) / d), d == 0);
                var v = new long[n];
                for (int i = 0; i < n; i++) v[i] = s + i * d;
                var t = Tensor.FromSpan<long>(v);
                return [start.DType == DType.Int32 ? t.To(DType.Int32) : t];
            }
            default: throw c.Unsupported($"Range of {start.DType.Name()} is not supported (float32, int32, int64 are)");
        }
    }

    private static int Count(OpContext c, double n, bool zeroDelta)
    {
        if (zeroDelta) throw c.Fail("delta must not be zero");
        if (double.IsNaN(n)) throw c.Fail("start, limit or delta is NaN");
        return n <= 0 ? 0 : n <= Array.MaxLength ? (int)n : throw c.Fail($"the range would hold {n} elements");
    }

    [OnnxOp("EyeLike")]
    public static Tensor?[] EyeLike(OpContext c)
    {
        var x = c.Input(0);
        if (x.Rank != 2) throw c.Fail($"input must be 2-D, has shape {x.Shape}");
        var dtype = x.DType;
        if (c.Attributes.Find("dtype") is not null)
        {
            var type = (ElementType)c.Attributes.Int("dtype");
            dtype = type.ToDType() ?? throw c.Unsupported($"output type {type} is not supported");
        }
        long k = c.Attributes.Int("k", 0);
        int rows = x.Shape[0], cols = x.Shape[1];
        var ones = new float[rows * cols];
        for (long i = Math.Max(0, -k); i < rows && i + k < cols; i++) ones[i * cols + i + k] = 1f;
        return [Tensor.Wrap(ones, x.Shape).To(dtype)];
    }

    [OnnxOp("Trilu")]
    public static Tensor?[] Trilu(OpContext c)
    {
        var x = c.Input(0);
        if (x.Rank < 2) throw c.Fail($"input must have rank at least 2, has shape {x.Shape}");
        bool upper = c.Attributes.Int("upper", 1) != 0;
        long k = c.OptionalInput(1) is { } kt ? c.Longs(kt, "k")[0] : 0;
        int rows = x.Shape[-2], cols = x.Shape[-1];
        var keep = new bool[rows * cols];
        for (int i = 0; i < rows; i++)
            for (int j = 0; j < cols; j++)
                keep[i * cols + j] = upper ? j - (long)i >= k : j - (long)i <= k;
        var mask = Tensor.Wrap(keep, new Shape(rows, cols));
        if (x.DType == DType.Float32) return [CoreOps.Elementwise.Where(mask, x, Tensor.Scalar(0f))];
        var map = new int[x.Count];
        for (int i = 0; i < map.Length; i++) map[i] = keep[i % keep.Length] ? i : -1;
        return [ElementMaps.Take(x, map, x.Shape)];
    }
}
