using Pare.Core;
using CoreOps = Pare.Core.Ops;

namespace Pare.Graph.Ops.Onnx;

/// <summary>ONNX Pad (constant, reflect, edge, wrap; negative pads crop). Float32 goes through Core's pad so the
/// gradient flows; other dtypes through the same per-axis source maps applied by <see cref="ElementMaps.Take"/>.</summary>
internal static class Padding
{
    [OnnxOp("Pad")]
    public static Tensor?[] Pad(OpContext c)
    {
        var x = c.Input(0);
        int rank = x.Rank;
        var mode = c.Attributes.String("mode", "constant") switch
        {
            "constant" => CoreOps.PadMode.Constant,
            "reflect" => CoreOps.PadMode.Reflect,
            "edge" => CoreOps.PadMode.Replicate,
            "wrap" when c.Opset >= 19 => CoreOps.PadMode.Wrap,
            var m => throw c.Fail($"mode '{m}' is not one of constant, reflect, edge{(c.Opset >= 19 ? ", wrap" : "")}"),
        };
        long[] pads;
        Tensor? fill;
        int[] axes;
        if (c.Opset < 11)
        {
            pads = c.Attributes.Ints(c.Opset < 2 ? "paddings" : "pads") ?? throw c.Fail("required attribute 'pads' is missing");
            fill = Tensor.Scalar(c.Attributes.Float("value", 0f));
            axes = Enumerable.Range(0, rank).ToArray();
        }
        else
        {
            pads = c.Longs(c.Input(1), "pads");
            fill = c.OptionalInput(2);
            if (fill is not null && fill.Count != 1) throw c.Fail($"constant_value must hold one value, has shape {fill.Shape}");
            var axesGiven = c.Opset >= 18 && c.OptionalInput(3) is { } at ? c.Longs(at, "axes") : null;
            axes = axesGiven is null ? Enumerable.Range(0, rank).ToArray() : c.DistinctAxes(axesGiven, rank);
        }
        if (pads.Length != 2 * axes.Length)
            throw c.Fail($"pads ({string.Join(", ", pads)}) must hold {2 * axes.Length} values (begin and end per padded axis) for shape {x.Shape}");
        var before = new int[rank];
        var after = new int[rank];
        for (int i = 0; i < axes.Length; i++)
        {
            before[axes[i]] = Checked(c, pads[i]);
            after[axes[i]] = Checked(c, pads[i + axes.Length]);
        }
        if (x.DType == DType.Float32)
        {
            // Core's pads are (before, after) pairs from the last axis backwards.
            var torchPads = new int[2 * rank];
            for (int d = 0; d < rank; d++)
            {
                torchPads[2 * (rank - 1 - d)] = before[d];
                torchPads[2 * (rank - 1 - d) + 1] = after[d];
            }
            float value = fill is null ? 0f : (float)c.Scalar(fill, "constant_value");
            return [CoreOps.Assembly.Pad(x, torchPads, mode, value)];
        }
        return [PadAny(c, x, before, after, mode, fill)];
    }

    private static int Checked(OpContext c, long pad) =>
        pad is >= int.MinValue / 2 and <= int.MaxValue / 2 ? (int)pad : throw c.Fail($"pad {pad} is out of range");

    private static Tensor PadAny(OpContext c, Tensor x, int[] before, int[] after, CoreOps.PadMode mode, Tensor? fill)
    {
        int rank = x.Rank;
        var maps = new int[rank][];
        var outDims = new int[rank];
        for (int d = 0; d < rank; d++)
        {
            maps[d] = Map(c, x.Shape[d], before[d], after[d], mode, d);
            outDims[d] = maps[d].Length;
        }
        var outShape = new Shape(outDims);
        var strides = ElementMaps.Strides(x.Shape.Dims);
        var map = new int[outShape.ElementCount];
        var idx = new int[rank];
        for (int o = 0; o < map.Length; o++)
        {
            int at = 0;
            for (int d = 0; d < rank && at >= 0; d++)
                at = maps[d][idx[d]] < 0 ? -1 : at + maps[d][idx[d]] * strides[d];
            map[o] = at;
            for (int d = rank - 1; d >= 0 && ++idx[d] == outDims[d]; d--) idx[d] = 0;
        }
        return ElementMaps.Take(x, map, outShape, fill);
    }

    // Source coordinate of every output coordinate of one axis, −1 for the constant fill (as Core's pad maps).
    private static int[] Map(OpContext c, int n, int before, int after, CoreOps.PadMode mode, int axis)
    {
        long size = (long)n + before + after;
        if (size < 0) throw c.Fail($"pads ({before}, {after}) crop axis {axis} of size {n} below zero");
        if (mode == CoreOps.PadMode.Reflect && (before >= n || after >= n) && (before > 0 || after > 0))
            throw c.Fail($"reflect pads ({before}, {after}) must be smaller than size {n} of axis {axis}");
        if (mode != CoreOps.PadMode.Constant && n == 0 && size > 0) throw c.Fail($"cannot {mode} pad empty axis {axis}");
        var map = new int[size];
        for (int o = 0; o < map.Length; o++)
        {
            int i = o - before;
            map[o] = mode switch
            {
                CoreOps.PadMode.Constant => i >= 0 && i < n ? i : -1,
                CoreOps.PadMode.Reflect => i < 0 ? -i : i >= n ? 2 * (n - 1) - i : i,
                CoreOps.PadMode.Replicate => Math.Clamp(i, 0, n - 1),
                _ => ((i % n) + n) % n,
            };
        }
        return map;
    }
}
