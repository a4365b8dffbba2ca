using Pare.Core;
using CoreOps = Pare.Core.Ops;

namespace Pare.Graph.Ops.Onnx;

/// <summary>ScatterElements (and the older Scatter), ScatterND, with the reductions none, add, mul, max, min.
/// Float32 with reduction add, or none without repeated positions (the spec forbids repeats there), is composed
/// of Core's scatter_add and where, so gradients reach data and updates. The other cases are plain loops (no
/// gradient) applied in index order, so with repeated indices and reduction none the last update wins.</summary>
internal static class Scatters
{
    [OnnxOp("ScatterElements")]
    [OnnxOp("Scatter")]
    public static Tensor?[] ScatterElements(OpContext c)
    {
        var data = c.Input(0);
        var indices = c.Input(1);
        var updates = c.Input(2);
        if (c.Node.OpType == "Scatter" && c.Opset >= 11) throw c.Fail("Scatter was removed in opset 11; use ScatterElements");
        if (updates.DType != data.DType) throw c.Fail($"updates are {updates.DType.Name()}, data is {data.DType.Name()}");
        if (indices.Rank != data.Rank || updates.Shape != indices.Shape)
            throw c.Fail($"indices {indices.Shape} and updates {updates.Shape} must have one shape and the rank of data {data.Shape}");
        int axis = c.Axis(c.Attributes.Int("axis", 0), data.Rank);
        for (int d = 0; d < data.Rank; d++)
            if (d != axis && indices.Shape[d] > data.Shape[d])
                throw c.Fail($"indices of shape {indices.Shape} are larger than data {data.Shape} on axis {d}");
        var reduction = c.Opset >= 16 ? ElementMaps.ParseReduction(c) : ElementMaps.Reduction.None;
        var idx = c.Indices(indices, data.Shape[axis]);
        var positions = Gathers.AxisMap(data.Shape, axis, idx, indices.Shape);
        if (data.DType == DType.Float32 && Differentiable(reduction, positions))
        {
            var index = ShapeArgs.LongTensor(idx, indices.Shape);
            if (reduction == ElementMaps.Reduction.Add) return [CoreOps.Indexing.ScatterAdd(data, axis, index, updates)];
            var placed = CoreOps.Indexing.ScatterAdd(Tensor.Zeros(data.Shape), axis, index, updates);
            return [CoreOps.Elementwise.Where(Mask(data.Shape, positions, 1), placed, data)];
        }
        return [ElementMaps.Scatter(data, positions, 1, updates, reduction)];
    }

    [OnnxOp("ScatterND")]
    public static Tensor?[] ScatterND(OpContext c)
    {
        var data = c.Input(0);
        var indices = c.Input(1);
        var updates = c.Input(2);
        if (updates.DType != data.DType) throw c.Fail($"updates are {updates.DType.Name()}, data is {data.DType.Name()}");
        var nd = NdIndex.Read(c, data.Shape, indices);
        if (updates.Shape != nd.OutputShape)
            throw c.Fail($"updates of shape {updates.Shape} must have shape {nd.OutputShape} (indices.shape[:-1] + data.shape[k:])");
        var reduction = c.Opset >= 16 ? ElementMaps.ParseReduction(c) : ElementMaps.Reduction.None;
        var positions = Array.ConvertAll(nd.Rows, r => r * nd.Inner);
        if (data.DType == DType.Float32 && Differentiable(reduction, nd.Rows))
        {
            // data as (rows, inner); update t goes to row rows[t]: a scatter_add along axis 0 with a row index per element
            var rows = data.Reshape(nd.RowCount, nd.Inner);
            var index = new long[nd.Rows.Length * nd.Inner];
            for (int t = 0; t < nd.Rows.Length; t++) index.AsSpan(t * nd.Inner, nd.Inner).Fill(nd.Rows[t]);
            var rowIndex = Tensor.Wrap(index, new Shape(nd.Rows.Length, nd.Inner));
            var parts = updates.Reshape(nd.Rows.Length, nd.Inner);
            var dims = data.Shape.Dims.ToArray();
            if (reduction == ElementMaps.Reduction.Add) return [CoreOps.Indexing.ScatterAdd(rows, 0, rowIndex, parts).Reshape(dims)];
            var placed = CoreOps.Indexing.ScatterAdd(Tensor.Zeros(rows.Shape), 0, rowIndex, parts).Reshape(dims);
            return [CoreOps.Elementwise.Where(Mask(data.Shape, positions, nd.Inner), placed, data)];
        }
        return [ElementMaps.Scatter(data, positions, nd.Inner, updates, reduction)];
    }

    // add always composes; none only when no position repeats (with repeats the last update must win).
    private static bool Differentiable(ElementMaps.Reduction reduction, int[] positions) =>
        reduction == ElementMaps.Reduction.Add
        || (reduction == ElementMaps.Reduction.None && positions.Distinct().Count() == positions.Length);

    // True at every element a block starting at one of the positions covers.
    private static Tensor Mask(Shape shape, int[] positions, int block)
    {
        var mask = new bool[shape.ElementCount];
        foreach (int p in positions) mask.AsSpan(p, block).Fill(true);
        return Tensor.Wrap(mask, shape);
    }
}
