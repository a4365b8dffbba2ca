using Pare.Core;
using CoreOps = Pare.Core.Ops;

namespace Pare.Graph.Ops.Onnx;

/// <summary>Gather, GatherElements, GatherND. Negative indices count from the end (ONNX's rule; Core's indexing
/// ops take only non-negative ones, so indices are normalized first). Gather and GatherND go through Core's
/// index_select (every dtype, differentiable); GatherElements through Core's gather for float32.</summary>
internal static class Gathers
{
    [OnnxOp("Gather")]
    public static Tensor?[] Gather(OpContext c)
    {
        var x = c.Input(0);
        var indices = c.Input(1);
        if (x.Rank == 0) throw c.Fail("data must have rank at least 1");
        int axis = c.Axis(c.Attributes.Int("axis", 0), x.Rank);
        var idx = c.Indices(indices, x.Shape[axis]);
        var picked = CoreOps.Indexing.IndexSelect(x, axis, ShapeArgs.LongTensor(idx, new Shape(idx.Length)));
        // (.., m, ..) → (.., indices.shape, ..)
        var dims = new List<int>();
        dims.AddRange(x.Shape.Dims[..axis].ToArray());
        dims.AddRange(indices.Shape.Dims.ToArray());
        dims.AddRange(x.Shape.Dims[(axis + 1)..].ToArray());
        return [picked.Reshape([.. dims])];
    }

    [OnnxOp("GatherElements")]
    public static Tensor?[] GatherElements(OpContext c)
    {
        var x = c.Input(0);
        var indices = c.Input(1);
        if (indices.Rank != x.Rank) throw c.Fail($"indices of shape {indices.Shape} must have the rank of data {x.Shape}");
        int axis = c.Axis(c.Attributes.Int("axis", 0), x.Rank);
        for (int d = 0; d < x.Rank; d++)
            if (d != axis && indices.Shape[d] > x.Shape[d])
                throw c.Fail($"indices of shape {indices.Shape} are larger than data {x.Shape} on axis {d}");
        var idx = c.Indices(indices, x.Shape[axis]);
        if (x.DType == DType.Float32)
            return [CoreOps.Indexing.Gather(x, axis, ShapeArgs.LongTensor(idx, indices.Shape))];
        return [ElementMaps.Take(x, AxisMap(x.Shape, axis, idx, indices.Shape), indices.Shape)];
    }

    /// <summary>Flat data position of every index element when it replaces the coordinate on
    /// <paramref name="axis"/>: the positions GatherElements reads and ScatterElements writes.</summary>
    public static int[] AxisMap(Shape data, int axis, int[] idx, Shape indexShape)
    {
        var strides = ElementMaps.Strides(data.Dims);
        var iDims = indexShape.Dims.ToArray();
        var map = new int[idx.Length];
        var pos = new int[iDims.Length];
        for (int i = 0; i < idx.Length; i++)
        {
            int at = 0;
            for (int d = 0; d < iDims.Length; d++) at += (d == axis ? idx[i] : pos[d]) * strides[d];
            map[i] = at;
            for (int d = iDims.Length - 1; d >= 0 && ++pos[d] == iDims[d]; d--) pos[d] = 0;
        }
        return map;
    }

    [OnnxOp("GatherND")]
    public static Tensor?[] GatherND(OpContext c)
    {
        var x = c.Input(0);
        var nd = NdIndex.Read(c, x.Shape, c.Input(1));
        // data as (B·M, inner) rows; every index tuple picks one row
        var rows = x.Reshape(nd.RowCount, nd.Inner);
        var picked = CoreOps.Indexing.IndexSelect(rows, 0, ShapeArgs.LongTensor(nd.Rows, new Shape(nd.Rows.Length)));
        return [picked.Reshape(nd.OutputShape.Dims.ToArray())];
    }
}
