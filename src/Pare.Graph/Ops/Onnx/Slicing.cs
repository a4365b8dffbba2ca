using Pare.Core;
using CoreOps = Pare.Core.Ops;

namespace Pare.Graph.Ops.Onnx;

/// <summary>Slice, Compress, ReverseSequence, NonZero: Core slices and index_select (every dtype; float32
/// gradients flow), with ONNX's clamping rules for starts and ends.</summary>
internal static class Slicing
{
    [OnnxOp("Slice")]
    public static Tensor?[] Slice(OpContext c)
    {
        var x = c.Input(0);
        long[] starts, ends;
        long[]? axes, steps = null;
        if (c.Opset < 10)
        {
            starts = c.Attributes.Ints("starts") ?? throw c.Fail("required attribute 'starts' is missing");
            ends = c.Attributes.Ints("ends") ?? throw c.Fail("required attribute 'ends' is missing");
            axes = c.Attributes.Ints("axes");
        }
        else
        {
            starts = c.Longs(c.Input(1), "starts");
            ends = c.Longs(c.Input(2), "ends");
            axes = c.OptionalInput(3) is { } a ? c.Longs(a, "axes") : null;
            steps = c.OptionalInput(4) is { } s ? c.Longs(s, "steps") : null;
        }
        if (ends.Length != starts.Length) throw c.Fail($"starts ({starts.Length} values) and ends ({ends.Length} values) differ in length");
        var ax = axes is null ? Enumerable.Range(0, starts.Length).ToArray() : c.DistinctAxes(axes, x.Rank);
        if (ax.Length != starts.Length) throw c.Fail($"axes ({ax.Length} values) and starts ({starts.Length} values) differ in length");
        if (steps is not null && steps.Length != starts.Length) throw c.Fail($"steps ({steps.Length} values) and starts ({starts.Length} values) differ in length");
        if (ax.Length > x.Rank) throw c.Fail($"{ax.Length} axes given for shape {x.Shape}");
        var y = x;
        for (int i = 0; i < ax.Length; i++)
            y = SliceAxis(c, y, ax[i], starts[i], ends[i], steps?[i] ?? 1);
        return [y.Contiguous()];
    }

    private static Tensor SliceAxis(OpContext c, Tensor x, int axis, long start, long end, long step)
    {
        if (step == 0) throw c.Fail($"step on axis {axis} must not be zero");
        long n = x.Shape[axis];
        if (start < 0) start += n;
        if (end < 0) end += n;
        if (step > 0)
        {
            start = Math.Clamp(start, 0, n);
            end = Math.Clamp(end, 0, n);
            return x.Slice(axis, (int)start, (int)end, (int)Math.Min(step, Math.Max(n, 1)));
        }
        if (n == 0) return x;
        start = Math.Clamp(start, 0, n - 1);
        end = Math.Clamp(end, -1, n - 1);
        long stride = step == long.MinValue ? long.MaxValue : -step;
        long count = start > end ? (start - end + stride - 1) / stride : 0;
        // Elements start, start − stride, ..: index_select with the positions in that order.
        var index = new long[count];
        for (long k = 0; k < count; k++) index[k] = start - k * stride;
        return CoreOps.Indexing.IndexSelect(x, axis, Tensor.FromSpan<long>(index));
    }

    [OnnxOp("Compress")]
    public static Tensor?[] Compress(OpContext c)
    {
        var x = c.Input(0);
        var condition = c.Input(1);
        if (condition.Rank != 1) throw c.Fail($"condition must be 1-D, has shape {condition.Shape}");
        var keep = condition.To(DType.Bool).ToArray<bool>();
        bool flat = c.Attributes.Find("axis") is null;
        var data = flat ? x.Reshape(-1) : x;
        int axis = flat ? 0 : c.Axis(c.Attributes.Int("axis"), x.Rank);
        int n = data.Shape[axis];
        if (keep.Length > n) throw c.Fail($"condition of length {keep.Length} is longer than axis {axis} of size {n}");
        var index = Enumerable.Range(0, keep.Length).Where(i => keep[i]).Select(i => (long)i).ToArray();
        return [CoreOps.Indexing.IndexSelect(data, axis, Tensor.FromSpan<long>(index))];
    }

    [OnnxOp("ReverseSequence")]
    public static Tensor?[] ReverseSequence(OpContext c)
    {
        var x = c.Input(0);
        if (x.Rank < 2) throw c.Fail($"input must have rank at least 2, has shape {x.Shape}");
        int batchAxis = c.Axis(c.Attributes.Int("batch_axis", 1), 2, "batch_axis");
        int timeAxis = c.Axis(c.Attributes.Int("time_axis", 0), 2, "time_axis");
        if (batchAxis == timeAxis) throw c.Fail("batch_axis and time_axis must differ");
        var lens = c.Longs(c.Input(1), "sequence_lens");
        int batch = x.Shape[batchAxis], time = x.Shape[timeAxis];
        if (lens.Length != batch) throw c.Fail($"sequence_lens has {lens.Length} values for a batch of {batch}");
        foreach (long l in lens)
            if (l < 0 || l > time) throw c.Fail($"sequence length {l} is outside [0, {time}]");
        // The time index each element reads: reversed inside its sequence's length, unchanged after it.
        var dims = x.Shape.Dims.ToArray();
        var strides = ElementMaps.Strides(dims);
        var timeIndex = new long[x.Count];
        var map = new int[x.Count];
        for (int i = 0; i < timeIndex.Length; i++)
        {
            int t = i / strides[timeAxis] % time, b = i / strides[batchAxis] % batch;
            int from = t < lens[b] ? (int)lens[b] - 1 - t : t;
            timeIndex[i] = from;
            map[i] = i + (from - t) * strides[timeAxis];
        }
        if (x.DType == DType.Float32)
            return [CoreOps.Indexing.Gather(x, timeAxis, Tensor.Wrap(timeIndex, x.Shape))];
        return [ElementMaps.Take(x, map, x.Shape)];
    }

    [OnnxOp("NonZero")]
    public static Tensor?[] NonZero(OpContext c)
    {
        var x = c.Input(0);
        var nonzero = x.To(DType.Bool).ToArray<bool>();
        int count = nonzero.Count(v => v);
        // a scalar counts as a 1-D tensor of one element, as numpy.nonzero treats it
        int rank = Math.Max(x.Rank, 1);
        var dims = x.Rank == 0 ? [1] : x.Shape.Dims.ToArray();
        var result = new long[rank * count];
        var idx = new int[rank];
        for (int i = 0, k = 0; i < nonzero.Length; i++)
        {
            if (nonzero[i])
            {
                for (int d = 0; d < rank; d++) result[d * count + k] = idx[d];
                k++;
            }
            for (int d = rank - 1; d >= 0 && ++idx[d] == dims[d]; d--) idx[d] = 0;
        }
        return [Tensor.Wrap(result, new Shape(rank, count))];
    }
}
