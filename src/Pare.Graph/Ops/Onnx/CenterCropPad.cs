using Pare.Core;
using CoreOps = Pare.Core.Ops;

namespace Pare.Graph.Ops.Onnx;

/// <summary>CenterCropPad (opset 18): each listed axis is cut or zero-padded to the target length around its centre
/// (the extra element of an odd difference goes to the end). Float32 through Core Slice/Pad so gradients flow; other
/// types by a copy into zeros.</summary>
internal static class CenterCropPad
{
    [OnnxOp("CenterCropPad", SinceVersion = 18)]
    public static Tensor?[] Run(OpContext c)
    {
        var x = c.Input(0);
        var targets = Array.ConvertAll(c.Longs(c.Input(1), "shape"), v => c.Size(v, "shape value"));
        var axesAttr = c.Attributes.Ints("axes");
        var axes = axesAttr is null ? Enumerable.Range(0, x.Rank).ToArray() : Array.ConvertAll(axesAttr, a => c.Axis(a, x.Rank, "axes value"));
        if (axes.Length != targets.Length) throw c.Fail($"shape has {targets.Length} values for {axes.Length} axes");
        if (axes.Distinct().Count() != axes.Length) throw c.Fail($"axes ({string.Join(", ", axes)}) repeat an axis");
        var y = x;
        for (int i = 0; i < axes.Length; i++)
        {
            int a = axes[i], have = y.Shape[a], want = targets[i];
            if (want < have) y = y.Slice(a, (have - want) / 2, (have - want) / 2 + want);
            else if (want > have) y = Pad(y, a, (want - have) / 2, want);
        }
        return [ReferenceEquals(y, x) || y.DType == DType.Float32 ? y : y.Contiguous()];
    }

    /// <summary>x zero-padded along <paramref name="axis"/> to <paramref name="length"/>, <paramref name="before"/>
    /// zeros first.</summary>
    private static Tensor Pad(Tensor x, int axis, int before, int length)
    {
        int after = length - x.Shape[axis] - before;
        if (x.DType == DType.Float32)
        {
            // Core's pads run from the last axis backwards, (before, after) per axis
            var pads = new int[2 * (x.Rank - axis)];
            pads[^2] = before;
            pads[^1] = after;
            return CoreOps.Assembly.Pad(x, pads);
        }
        var y = Tensor.Zeros(x.Shape.With(axis, length), x.DType);
        x.CopyTo(y.Slice(axis, before, before + x.Shape[axis]));
        return y;
    }
}
