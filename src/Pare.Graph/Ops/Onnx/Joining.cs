using Pare.Core;
using CoreOps = Pare.Core.Ops;

namespace Pare.Graph.Ops.Onnx;

/// <summary>Concat, Split, Tile: Core concat, slices and views (every dtype; float32 gradients flow).</summary>
internal static class Joining
{
    [OnnxOp("Concat")]
    public static Tensor?[] Concat(OpContext c)
    {
        var parts = new List<Tensor>();
        for (int i = 0; i < c.InputCount; i++) parts.Add(c.Input(i));
        if (parts.Count == 0) throw c.Fail("needs at least one input");
        long axis = c.Opset < 4 ? c.Attributes.Int("axis", 1) : c.Attributes.Int("axis");
        int a = c.Axis(axis, parts[0].Rank);
        return [parts.Count == 1 ? parts[0] : CoreOps.Assembly.Concat(parts, a)];
    }

    [OnnxOp("Split")]
    public static Tensor?[] Split(OpContext c)
    {
        var x = c.Input(0);
        int a = c.Axis(c.Attributes.Int("axis", 0), x.Rank);
        int n = x.Shape[a];
        var given = c.Opset < 13 ? c.Attributes.Ints("split") : c.OptionalInput(1) is { } s ? c.Longs(s, "split") : null;
        int[] sizes;
        if (given is not null)
        {
            if (given.Length != c.OutputCount) throw c.Fail($"split ({string.Join(", ", given)}) has {given.Length} entries for {c.OutputCount} outputs");
            sizes = Array.ConvertAll(given, v => c.Size(v, "split size"));
            if (sizes.Sum(v => (long)v) != n) throw c.Fail($"split ({string.Join(", ", given)}) does not sum to size {n} of axis {a}");
        }
        else if (c.Opset >= 18 && c.Attributes.Find("num_outputs") is not null)
        {
            long parts = c.Attributes.Int("num_outputs");
            if (parts < 1 || parts != c.OutputCount) throw c.Fail($"num_outputs {parts} does not match the {c.OutputCount} outputs");
            // ceil(n / parts) each, the last one smaller when n does not divide
            int chunk = (int)((n + parts - 1) / parts);
            sizes = new int[parts];
            for (int i = 0, left = n; i < parts; left -= sizes[i], i++) sizes[i] = Math.Min(chunk, left);
        }
        else
        {
            int parts = c.OutputCount;
            if (parts < 1 || n % parts != 0) throw c.Fail($"axis {a} of size {n} cannot be split into {parts} equal parts");
            sizes = Enumerable.Repeat(n / parts, parts).ToArray();
        }
        return [.. CoreOps.Assembly.Split(x, sizes, a).Select(p => p.Contiguous())];
    }

    [OnnxOp("Tile")]
    public static Tensor?[] Tile(OpContext c)
    {
        var x = c.Input(0);
        var repeats = c.Longs(c.Input(1), "repeats");
        if (repeats.Length != x.Rank) throw c.Fail($"repeats ({string.Join(", ", repeats)}) must have one entry per axis of shape {x.Shape}");
        // (d_0, ..) → (1, d_0, 1, d_1, ..) → expand to (r_0, d_0, r_1, d_1, ..) → (r_0·d_0, r_1·d_1, ..)
        var interleaved = new int[2 * x.Rank];
        var expanded = new int[2 * x.Rank];
        var result = new int[x.Rank];
        for (int i = 0; i < x.Rank; i++)
        {
            int r = c.Size(repeats[i], "repeat");
            interleaved[2 * i] = 1;
            interleaved[2 * i + 1] = x.Shape[i];
            expanded[2 * i] = r;
            expanded[2 * i + 1] = x.Shape[i];
            long size = (long)r * x.Shape[i];
            result[i] = size <= int.MaxValue ? (int)size : throw c.Fail($"tiling shape {x.Shape} by ({string.Join(", ", repeats)}) is too large");
        }
        return [x.Reshape(interleaved).Expand(expanded).Contiguous().Reshape(result)];
    }
}
