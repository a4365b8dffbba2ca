using Pare.Core;

namespace Pare.Graph.Ops.Onnx;

/// <summary>ONNX OneHot: a new axis of size depth holding values[1] at the index and values[0] elsewhere; indices in
/// [−depth, depth) (negative ones count from the end), others give a row of values[0]. Not differentiable.</summary>
internal static class OneHotOp
{
    [OnnxOp("OneHot")]
    public static Tensor?[] OneHot(OpContext c)
    {
        var indices = c.Input(0);
        double depthValue = c.Scalar(c.Input(1), "depth");
        var values = c.Input(2);
        if (values.Count != 2) throw c.Fail($"values must hold (off, on), has shape {values.Shape}");
        if (!(depthValue >= 1 && depthValue <= int.MaxValue)) throw c.Fail($"depth {depthValue} must be at least 1");
        int depth = (int)depthValue;
        int outRank = indices.Rank + 1;
        int axis = c.Axis(c.Attributes.Int("axis", -1), outRank);
        var idx = indices.DType == DType.Float32
            ? Array.ConvertAll(indices.ToArray<float>(), v => (long)v)
            : c.Longs(indices.To(DType.Int64), "indices");
        var dims = new List<int>(indices.Shape.Dims.ToArray());
        dims.Insert(axis, depth);
        var shape = new Shape([.. dims]);
        int outer = ElementMaps.Product(indices.Shape.Dims, 0, axis), inner = ElementMaps.Product(indices.Shape.Dims, axis, indices.Rank);
        // out[o, d, i] = values[idx[o, i] == d]: a map into the two-element values tensor
        var map = new int[shape.ElementCount];
        for (int o = 0; o < outer; o++)
            for (int i = 0; i < inner; i++)
            {
                long v = idx[o * inner + i];
                if (v < 0) v += depth;
                if (v >= 0 && v < depth) map[(o * depth + v) * inner + i] = 1;
            }
        return [ElementMaps.Take(values.Reshape(2), map, shape)];
    }
}
