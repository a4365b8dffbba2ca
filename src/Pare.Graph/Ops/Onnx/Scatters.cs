using Pare.Core;
using CoreOps = Pare.Core.Ops;

namespace Pare.Graph.Ops.Onnx;

/// <summary>ScatterElements (and the older Scatter), ScatterND, with the reductions none, add, mul, max, min.
/// A float32 ScatterElements with reduction add goes through Core's scatter_add (differentiable); the other cases
/// are plain loops (no gradient) applied in index order, so with repeated indices and reduction none the last
/// update wins.</summary>
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
        if (data.DType == DType.Float32 && reduction == ElementMaps.Reduction.Add)
            return [CoreOps.Indexing.ScatterAdd(data, axis, ShapeArgs.LongTensor(idx, indices.Shape), updates)];
        return [ElementMaps.Scatter(data, Gathers.AxisMap(data.Shape, axis, idx, indices.Shape), 1, updates, reduction)];
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
        return [ElementMaps.Scatter(data, positions, nd.Inner, updates, reduction)];
    }
}
