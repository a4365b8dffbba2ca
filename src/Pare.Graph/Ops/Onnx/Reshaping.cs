using Pare.Core;

namespace Pare.Graph.Ops.Onnx;

/// <summary>Reshape, Flatten, Squeeze, Unsqueeze, Transpose, Expand: Core views, so they work for every dtype and
/// the float32 gradient flows. Transpose and Expand return contiguous tensors (a copy) so that the kernels after
/// them see ordinary row-major data.</summary>
internal static class Reshaping
{
    [OnnxOp("Reshape")]
    public static Tensor?[] Reshape(OpContext c)
    {
        var x = c.Input(0);
        var shape = c.Opset < 5
            ? c.Attributes.Ints("shape") ?? throw c.Fail("required attribute 'shape' is missing")
            : c.Longs(c.Input(1), "shape");
        bool allowZero = c.Opset >= 14 && c.Attributes.Int("allowzero", 0) != 0;
        var dims = new int[shape.Length];
        int infer = -1;
        for (int i = 0; i < shape.Length; i++)
        {
            long v = shape[i];
            if (v == 0 && !allowZero)
            {
                if (i >= x.Rank) throw c.Fail($"shape ({string.Join(", ", shape)}) copies dimension {i} (0) but the input {x.Shape} has rank {x.Rank}");
                dims[i] = x.Shape[i];
            }
            else if (v == -1)
            {
                if (infer >= 0) throw c.Fail($"shape ({string.Join(", ", shape)}) has more than one -1");
                infer = i;
                dims[i] = -1;
            }
            else dims[i] = c.Size(v, "shape value");
        }
        if (infer >= 0 && allowZero && dims.Contains(0))
            throw c.Fail($"shape ({string.Join(", ", shape)}) has both 0 and -1 with allowzero = 1");
        return [x.Reshape(dims)];
    }

    [OnnxOp("Flatten")]
    public static Tensor?[] Flatten(OpContext c)
    {
        var x = c.Input(0);
        long axis = c.Attributes.Int("axis", 1);
        long a = axis < 0 ? axis + x.Rank : axis;
        if (a < 0 || a > x.Rank) throw c.Fail($"axis {axis} is out of range for rank {x.Rank}");
        var dims = x.Shape.Dims;
        return [x.Reshape(ElementMaps.Product(dims, 0, (int)a), ElementMaps.Product(dims, (int)a, x.Rank))];
    }

    [OnnxOp("Squeeze")]
    public static Tensor?[] Squeeze(OpContext c)
    {
        var x = c.Input(0);
        var axes = c.AxesArg(1, 13);
        // no axes, or an empty list (as onnxruntime reads it): every size-1 axis goes
        if (axes is null || axes.Length == 0) return [x.Squeeze()];
        var a = c.DistinctAxes(axes, x.Rank);
        foreach (int d in a)
            if (x.Shape[d] != 1) throw c.Fail($"cannot squeeze axis {d} of shape {x.Shape}: its size is {x.Shape[d]}, not 1");
        return [x.Squeeze(a)];
    }

    [OnnxOp("Unsqueeze")]
    public static Tensor?[] Unsqueeze(OpContext c)
    {
        var x = c.Input(0);
        var axes = c.AxesArg(1, 13) ?? throw c.Fail("axes are required");
        var a = c.DistinctAxes(axes, x.Rank + axes.Length);
        Array.Sort(a);
        foreach (int d in a) x = x.Unsqueeze(d);
        return [x];
    }

    [OnnxOp("Transpose")]
    public static Tensor?[] Transpose(OpContext c)
    {
        var x = c.Input(0);
        var perm = c.Attributes.Ints("perm");
        int[] axes;
        if (perm is null) axes = Enumerable.Range(0, x.Rank).Reverse().ToArray();
        else
        {
            if (perm.Length != x.Rank) throw c.Fail($"perm ({string.Join(", ", perm)}) does not have one entry per axis of shape {x.Shape}");
            axes = c.DistinctAxes(perm, x.Rank, "perm");
        }
        return [x.Permute(axes).Contiguous()];
    }

    [OnnxOp("Expand")]
    public static Tensor?[] Expand(OpContext c)
    {
        var x = c.Input(0);
        var shape = c.Longs(c.Input(1), "shape");
        var dims = Array.ConvertAll(shape, v => c.Size(v, "shape value"));
        Shape target;
        try
        {
            target = Shape.Broadcast(x.Shape, new Shape(dims));
        }
        catch (ArgumentException)
        {
            throw c.Fail($"input of shape {x.Shape} cannot be expanded to ({string.Join(", ", shape)})");
        }
        return [x.Expand(target.Dims.ToArray()).Contiguous()];
    }
}
