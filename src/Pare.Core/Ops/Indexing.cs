using Pare.Core.Autograd;
using Pare.Core.Kernels.Indexing;

namespace Pare.Core.Ops;

/// <summary>Picking elements or rows by index: gather, index_select, embedding, scatter_add, one_hot, topk.
/// Indices are int64 or int32 tensors and, as in PyTorch, must lie in [0, size): negative indices are rejected
/// (ArgumentOutOfRangeException naming the value, axis and size) rather than counted from the end. Every
/// backward that sums several gradients into one element does so in a fixed order (row-major order of the
/// index), so gradients are bit-identical for any thread count.</summary>
public static class Indexing
{
    /// <summary>torch.gather: out[.., i, ..] = x[.., index[.., i, ..], ..] along <paramref name="axis"/>.</summary>
    /// <param name="x">(d_0, .., d_r) float32</param>
    /// <param name="axis">the indexed axis (negative counts from the end)</param>
    /// <param name="index">(k_0, .., k_r) int64/int32, same rank as x, k_j ≤ d_j on every other axis</param>
    /// <returns>(k_0, .., k_r)</returns>
    [Op("gather")]
    public static Tensor Gather(Tensor x, int axis, Tensor index)
    {
        const string Op = "gather";
        IndexArgs.RequireFloat(x, Op);
        IndexArgs.RequireIntegral(index, Op);
        int a = x.Shape.NormalizeAxis(axis);
        CheckIndexShape(Op, x.Shape, index.Shape, a, "x");
        var idx = IndexArgs.Read(index, x.Shape[a], axis, Op);
        var xDims = x.Shape.Dims.ToArray();
        var iDims = index.Shape.Dims.ToArray();
        var result = Tensor.Zeros(index.Shape);
        AxisGather.Gather(IndexArgs.Floats(x), xDims, a, idx, iDims, result.AsSpan<float>());
        return Tape.Record(result, Op, [x], dOut =>
        {
            // Each output element came from one input element: scatter the gradient back, summing repeats.
            var dx = Tensor.Zeros(x.Shape);
            AxisGather.ScatterAdd(IndexArgs.Floats(dOut), a, idx, iDims, dx.AsSpan<float>(), xDims);
            return [dx];
        });
    }

    /// <summary>torch.scatter_add (out of place): out = x, then out[.., index[.., i, ..], ..] += src[.., i, ..]
    /// along <paramref name="axis"/>; only the leading index-shaped part of src is used.</summary>
    /// <param name="x">(d_0, .., d_r) float32</param>
    /// <param name="axis">the indexed axis</param>
    /// <param name="index">(k_0, .., k_r) int64/int32, k_j ≤ d_j on every other axis and k_j ≤ s_j on all axes</param>
    /// <param name="src">(s_0, .., s_r) float32</param>
    /// <returns>(d_0, .., d_r)</returns>
    [Op("scatter_add")]
    public static Tensor ScatterAdd(Tensor x, int axis, Tensor index, Tensor src)
    {
        const string Op = "scatter_add";
        IndexArgs.RequireFloat(x, Op);
        IndexArgs.RequireFloat(src, Op, nameof(src));
        IndexArgs.RequireIntegral(index, Op);
        int a = x.Shape.NormalizeAxis(axis);
        CheckIndexShape(Op, x.Shape, index.Shape, a, "x");
        CheckIndexShape(Op, src.Shape, index.Shape, -1, nameof(src));
        var idx = IndexArgs.Read(index, x.Shape[a], axis, Op);
        // Narrow src to the index's shape with differentiable slices, so its gradient is zero beyond it.
        var part = src;
        for (int d = 0; d < index.Rank; d++)
            if (part.Shape[d] != index.Shape[d]) part = part.Slice(d, 0, index.Shape[d]);
        var xDims = x.Shape.Dims.ToArray();
        var iDims = index.Shape.Dims.ToArray();
        var result = x.Clone();
        AxisGather.ScatterAdd(IndexArgs.Floats(part), a, idx, iDims, result.AsSpan<float>(), xDims);
        return Tape.Record(result, Op, [x, part], dOut =>
        {
            Tensor? dx = x.RequiresGrad ? dOut : null;
            Tensor? dPart = null;
            if (part.RequiresGrad)
            {
                dPart = Tensor.Zeros(part.Shape);
                AxisGather.Gather(IndexArgs.Floats(dOut), xDims, a, idx, iDims, dPart.AsSpan<float>());
            }
            return [dx, dPart];
        });
    }

    /// <summary>torch.index_select: the slices x[.., index[j], ..] along <paramref name="axis"/>, in index order
    /// (repeats allowed). Each selected slice is copied as whole rows.</summary>
    /// <param name="x">(.., n, ..) any dtype; differentiable when float32</param>
    /// <param name="axis">the indexed axis</param>
    /// <param name="index">(m) or a scalar, int64/int32, values in [0, n)</param>
    /// <returns>(.., m, ..)</returns>
    [Op("index_select")]
    public static Tensor IndexSelect(Tensor x, int axis, Tensor index)
    {
        const string Op = "index_select";
        ArgumentNullException.ThrowIfNull(x);
        IndexArgs.RequireIntegral(index, Op);
        if (index.Rank > 1)
            throw new ArgumentException($"{Op}: index must be 1-D or a scalar, got shape {index.Shape}", nameof(index));
        int a = x.Shape.NormalizeAxis(axis);
        int n = x.Shape[a];
        var idx = IndexArgs.Read(index, n, axis, Op);
        int outer = IndexArgs.Product(x.Shape.Dims, 0, a), inner = IndexArgs.Product(x.Shape.Dims, a + 1, x.Rank);
        var result = SelectRows(x, outer, n, inner, idx, x.Shape.With(a, idx.Length));
        return Tape.Record(result, Op, [x], dOut =>
        {
            var dx = Tensor.Zeros(x.Shape);
            RowGather.Backward(IndexArgs.Floats(dOut), outer, n, inner, idx, dx.AsSpan<float>());
            return [dx];
        });
    }

    /// <summary>Embedding lookup: out[.., :] = weight[indices[..], :]. The weight gradient sums the output
    /// gradients of repeated indices in row-major order of <paramref name="indices"/>, whatever the thread count.</summary>
    /// <param name="indices">(..) int64/int32, values in [0, V)</param>
    /// <param name="weight">(V, D) float32</param>
    /// <returns>(.., D)</returns>
    [Op("embedding")]
    public static Tensor Embedding(Tensor indices, Tensor weight)
    {
        const string Op = "embedding";
        IndexArgs.RequireIntegral(indices, Op, nameof(indices));
        IndexArgs.RequireFloat(weight, Op, nameof(weight));
        if (weight.Rank != 2)
            throw new ArgumentException($"{Op}: weight must be (V, D), got shape {weight.Shape}", nameof(weight));
        int v = weight.Shape[0], dim = weight.Shape[1];
        var idx = IndexArgs.Read(indices, v, 0, Op, nameof(indices));
        var outDims = new int[indices.Rank + 1];
        indices.Shape.Dims.CopyTo(outDims);
        outDims[^1] = dim;
        var result = SelectRows(weight, 1, v, dim, idx, new Shape(outDims));
        return Tape.Record(result, Op, [weight], dOut =>
        {
            var dWeight = Tensor.Zeros(weight.Shape);
            RowGather.Backward(IndexArgs.Floats(dOut), 1, v, dim, idx, dWeight.AsSpan<float>());
            return [dWeight];
        });
    }

    /// <summary>One-hot encoding as float32 (not differentiable). <paramref name="numClasses"/> = −1 takes
    /// max(indices) + 1 (0 for an empty tensor).</summary>
    /// <param name="indices">(..) int64/int32, values in [0, numClasses)</param>
    /// <param name="numClasses">C, or −1</param>
    /// <returns>(.., C)</returns>
    [Op("one_hot", Differentiable = false)]
    public static Tensor OneHot(Tensor indices, int numClasses = -1)
    {
        const string Op = "one_hot";
        IndexArgs.RequireIntegral(indices, Op, nameof(indices));
        if (numClasses < -1)
            throw new ArgumentOutOfRangeException(nameof(numClasses), numClasses, $"{Op}: numClasses must be -1 or at least 0");
        if (numClasses == -1)
        {
            var all = indices.To(DType.Int64).ToArray<long>();
            long max = all.Length == 0 ? -1 : all.Max();
            if (max >= int.MaxValue)
                throw new ArgumentOutOfRangeException(nameof(indices), $"{Op}: index {max} is too large a class number");
            numClasses = (int)Math.Max(0, max + 1);
        }
        var idx = IndexArgs.Read(indices, numClasses, indices.Rank, Op, nameof(indices));
        var outDims = new int[indices.Rank + 1];
        indices.Shape.Dims.CopyTo(outDims);
        outDims[^1] = numClasses;
        var result = Tensor.Zeros(new Shape(outDims));
        var data = result.AsSpan<float>();
        for (int i = 0; i < idx.Length; i++) data[i * numClasses + idx[i]] = 1f;
        return result;
    }

    /// <summary>torch.topk: the <paramref name="k"/> largest (or smallest) elements along <paramref name="axis"/>
    /// and their int64 indices. Equal values are taken lower index first; NaN counts as larger than +inf. With
    /// <paramref name="sorted"/> the values come best first, without it in increasing index order. Values are
    /// differentiable: the gradient goes to the chosen positions.</summary>
    /// <param name="x">(.., n, ..) float32</param>
    /// <param name="k">in [0, n]</param>
    /// <param name="axis">the axis to search (default: last)</param>
    /// <param name="largest">true for the largest elements</param>
    /// <param name="sorted">order of the result (see summary)</param>
    /// <returns>values (.., k, ..) float32 and indices (.., k, ..) int64</returns>
    [Op("topk")]
    public static (Tensor Values, Tensor Indices) TopK(Tensor x, int k, int axis = -1, bool largest = true, bool sorted = true)
    {
        const string Op = "topk";
        IndexArgs.RequireFloat(x, Op);
        int a = x.Shape.NormalizeAxis(axis);
        int n = x.Shape[a];
        if (k < 0 || k > n)
            throw new ArgumentException($"{Op}: k = {k} is out of range for axis {axis} of size {n} in shape {x.Shape}", nameof(k));
        int outer = IndexArgs.Product(x.Shape.Dims, 0, a), inner = IndexArgs.Product(x.Shape.Dims, a + 1, x.Rank);
        var outShape = x.Shape.With(a, k);
        var values = Tensor.Zeros(outShape);
        var indices = Tensor.Zeros(outShape, DType.Int64);
        TopKKernel.Forward(IndexArgs.Floats(x), outer, n, inner, k, largest, sorted, values.AsSpan<float>(), indices.AsSpan<long>());
        var chosen = Array.ConvertAll(indices.AsSpan<long>().ToArray(), i => (int)i);
        var xDims = x.Shape.Dims.ToArray();
        var oDims = outShape.Dims.ToArray();
        Tape.Record(values, Op, [x], dOut =>
        {
            var dx = Tensor.Zeros(x.Shape);
            AxisGather.ScatterAdd(IndexArgs.Floats(dOut), a, chosen, oDims, dx.AsSpan<float>(), xDims);
            return [dx];
        });
        return (values, indices);
    }

    // Rows [index[j]] of x viewed as (outer, n, inner), for any dtype.
    private static Tensor SelectRows(Tensor x, int outer, int n, int inner, int[] idx, Shape shape)
    {
        var result = Tensor.Zeros(shape, x.DType);
        switch (x.DType)
        {
            case DType.Float32: Select<float>(x, outer, n, inner, idx, result); break;
            case DType.Int8: Select<sbyte>(x, outer, n, inner, idx, result); break;
            case DType.UInt8: Select<byte>(x, outer, n, inner, idx, result); break;
            case DType.Int32: Select<int>(x, outer, n, inner, idx, result); break;
            case DType.Int64: Select<long>(x, outer, n, inner, idx, result); break;
            case DType.Bool: Select<bool>(x, outer, n, inner, idx, result); break;
            default: throw new ArgumentException($"unsupported dtype {x.DType.Name()}");
        }
        return result;
    }

    private static void Select<T>(Tensor x, int outer, int n, int inner, int[] idx, Tensor result) where T : unmanaged =>
        RowGather.Forward<T>(x.IsContiguous ? x.AsSpan<T>() : x.ToArray<T>(), outer, n, inner, idx, result.AsSpan<T>());

    // PyTorch's rule for gather/scatter: same rank, and the index no larger than the data on every axis but the
    // indexed one (skip = −1 checks every axis).
    private static void CheckIndexShape(string op, Shape data, Shape index, int skip, string name)
    {
        if (index.Rank != data.Rank)
            throw new ArgumentException($"{op}: index of shape {index} must have the rank of {name} of shape {data}", nameof(index));
        for (int d = 0; d < data.Rank; d++)
            if (d != skip && index[d] > data[d])
                throw new ArgumentException($"{op}: index of shape {index} is larger than {name} of shape {data} on axis {d}", nameof(index));
    }
}
