using Pare.Core;
using Pare.Core.Ops;
using CoreOps = Pare.Core.Ops;

namespace Pare.Graph.Ops.Onnx;

/// <summary>MaxPool, AveragePool, LpPool, MaxUnpool, GlobalAveragePool and GlobalMaxPool (1-, 2- and 3-D; float32,
/// MaxPool also int8/uint8), built on the 2-D windows of <see cref="PoolWindows"/> so gradients always flow.</summary>
internal static class Pools
{
    [OnnxOp("MaxPool")]
    public static Tensor?[] MaxPool(OpContext c)
    {
        var x = c.Input(0);
        if (x.DType is DType.Int8 or DType.UInt8)
        {
            if (BytePool(c, x) is { } pooled) return [pooled, null];
            // small integers are exact in float32: pool there, convert back
            var r = MaxPoolFloat(c, x.To(DType.Float32));
            return [r[0]!.To(x.DType), r.Length > 1 ? r[1] : null];
        }
        if (x.DType != DType.Float32) throw c.Unsupported($"only float32, int8 and uint8 are supported, got {x.DType.Name()}");
        return MaxPoolFloat(c, x);
    }

    // (N, C, H, W) 8-bit, no indices, no padding, dilation 1, floor mode: MaxPoolBytes directly on the bytes
    private static Tensor? BytePool(OpContext c, Tensor x)
    {
        if (x.Rank != 4 || c.WantsOutput(1) || c.Attributes.Int("ceil_mode", 0) != 0) return null;
        var autoPad = c.Attributes.String("auto_pad", "NOTSET");
        if (autoPad is not ("NOTSET" or "VALID")) return null;
        var (s, _) = Read(c, x);
        if (s.Dilations.Any(d => d != 1) || s.Begin.Any(p => p != 0) || s.End.Any(p => p != 0)) return null;
        int n = x.Dim(0), ch = x.Dim(1), h = x.Dim(2), w = x.Dim(3);
        if (s.Kernel[0] > h || s.Kernel[1] > w) return null;
        int outH = (h - s.Kernel[0]) / s.Strides[0] + 1, outW = (w - s.Kernel[1]) / s.Strides[1] + 1;
        var shape = new Shape(n, ch, outH, outW);
        var src = x.Contiguous();
        bool signed = x.DType == DType.Int8;
        var y = signed ? Tensor.Wrap(TensorMemory.Uninitialized<sbyte>(shape.ElementCount), shape) : Tensor.Wrap(TensorMemory.Uninitialized<byte>(shape.ElementCount), shape);
        // planes split over the threads when there are enough bytes to move
        int planes = n * ch, inPlane = h * w, outPlane = outH * outW;
        int tasks = (long)planes * inPlane >= 1 << 18 ? Math.Min(planes, 2 * Pare.Core.Threading.Parallelism.ThreadCount) : 1;
        void Part(int t)
        {
            int p0 = t * planes / tasks, p1 = (t + 1) * planes / tasks;
            Pare.Core.Kernels.Pool.MaxPoolBytes.Run(Bytes(src).Slice(p0 * inPlane, (p1 - p0) * inPlane), p1 - p0, h, w, s.Kernel[0], s.Kernel[1],
                s.Strides[0], s.Strides[1], signed, Bytes(y).Slice(p0 * outPlane, (p1 - p0) * outPlane));
        }
        if (tasks == 1) Part(0);
        else Pare.Core.Threading.Parallelism.For(tasks, Part);
        return y;
    }

    private static Span<byte> Bytes(Tensor t) =>
        t.DType == DType.UInt8 ? t.AsSpan<byte>() : System.Runtime.InteropServices.MemoryMarshal.AsBytes(t.AsSpan<sbyte>());

    private static Tensor?[] MaxPoolFloat(OpContext c, Tensor x)
    {
        var (s, ceil) = Read(c, x);
        int storageOrder = c.Attributes.Int32("storage_order", 0);
        if (storageOrder is not (0 or 1)) throw c.Fail($"storage_order {storageOrder} must be 0 or 1");
        if (!c.WantsOutput(1)) return [Separable(x, s, (x4, s2) => PoolWindows.Max(x4, s2, ceil, false, false).Output)];
        if (x.Rank == 5) throw c.Unsupported("MaxPool indices of a 3-D pooling are not supported");
        var (x4, s4) = x.Rank == 3 ? (x.Unsqueeze(2), Lift(s)) : (x, s);
        var (y, indices) = PoolWindows.Max(x4, s4, ceil, true, storageOrder == 1);
        return [Restore(y, x), Restore(indices!, x)];
    }

    [OnnxOp("AveragePool")]
    public static Tensor?[] AveragePool(OpContext c)
    {
        var x = RequireFloat(c, c.Input(0));
        var (s, ceil) = Read(c, x);
        bool countPad = c.Attributes.Int("count_include_pad", 0) != 0;
        return [Separable(x, s, (x4, s2) => PoolWindows.Average(x4, s2, ceil, countPad))];
    }

    /// <summary>LpPool: (Σ |x|ᵖ over the window)^(1/p), zero padding.</summary>
    [OnnxOp("LpPool")]
    public static Tensor?[] LpPool(OpContext c)
    {
        var x = RequireFloat(c, c.Input(0));
        var (s, ceil) = Read(c, x);
        // p is a float before opset 2, an int after
        float p = c.Attributes.Find("p") is { Kind: AttributeKind.Float } f ? f.F : c.Attributes.Int("p", 2);
        if (p <= 0) throw c.Fail($"p {p} must be positive");
        var powered = p == 2 ? CoreOps.Elementwise.Mul(x, x) : CoreOps.Elementwise.Pow(CoreOps.Elementwise.Abs(x), p);
        var sum = Separable(powered, s, (x4, s2) => PoolWindows.Sum(x4, s2, ceil));
        return [p == 2 ? CoreOps.Elementwise.Sqrt(sum) : CoreOps.Elementwise.Pow(sum, 1f / p)];
    }

    /// <summary>MaxUnpool: x's values scattered to the positions MaxPool's indices name, zeros elsewhere. Indices are
    /// read in the default output shape ((in − 1)·stride + kernel − pads) and keep their coordinates in a larger
    /// output_shape, as ONNX's reference does.</summary>
    [OnnxOp("MaxUnpool")]
    public static Tensor?[] MaxUnpool(OpContext c)
    {
        var x = RequireFloat(c, c.Input(0));
        var indices = c.Input(1);
        if (x.Rank is < 3 or > 4) throw c.Unsupported($"MaxUnpool on X {x.Shape} is not supported (1-D and 2-D are)");
        if (!indices.Shape.Equals(x.Shape)) throw c.Fail($"I {indices.Shape} must have the shape of X {x.Shape}");
        var s = Spatial.Read(c, x.Shape.Dims[2..].ToArray(), null);
        var planeDims = x.Shape.Dims.ToArray();
        for (int i = 0; i < s.Rank; i++)
            planeDims[2 + i] = (x.Dim(2 + i) - 1) * s.Strides[i] + s.Kernel[i] - s.Begin[i] - s.End[i];
        var outDims = (int[])planeDims.Clone();
        if (c.OptionalInput(2) is { } shapeInput)
        {
            var requested = c.Ints(shapeInput, "output_shape");
            if (requested.Length != x.Rank) throw c.Fail($"output_shape has {requested.Length} values for X {x.Shape}");
            for (int d = 0; d < x.Rank; d++)
                if (requested[d] < planeDims[d] || (d < 2 && requested[d] != planeDims[d]))
                    throw c.Fail($"output_shape [{string.Join(", ", requested)}] is smaller than the unpooled shape [{string.Join(", ", planeDims)}]");
            outDims = requested;
        }
        var source = new Shape(planeDims);
        var target = new Shape(outDims);
        long sourceCount = source.ElementCount;
        var flat = c.Longs(indices, "I");
        var moved = new long[flat.Length];
        var coordinate = new int[x.Rank];
        for (int i = 0; i < flat.Length; i++)
        {
            long v = flat[i];
            if (v < 0 || v >= sourceCount) throw c.Fail($"index {v} is outside the unpooled shape {source}");
            for (int d = x.Rank - 1; d >= 0; d--) { coordinate[d] = (int)(v % source[d]); v /= source[d]; }
            long t = 0;
            for (int d = 0; d < x.Rank; d++) t = t * target[d] + coordinate[d];
            moved[i] = t;
        }
        var zeros = Tensor.Zeros(new Shape(target.ElementCount));
        var y = CoreOps.Indexing.ScatterAdd(zeros, 0, Tensor.Wrap(moved, new Shape(moved.Length)), x.Reshape(-1));
        return [y.Reshape(outDims)];
    }

    [OnnxOp("GlobalAveragePool")]
    public static Tensor?[] GlobalAveragePool(OpContext c)
    {
        var x = RequireFloat(c, c.Input(0));
        if (x.Rank < 3) throw c.Fail($"X {x.Shape} needs (N, C, spatial...)");
        return [x.Rank == 4 ? CoreOps.Pooling.GlobalAvgPool2d(x) : CoreOps.Reduce.Mean(x, SpatialAxes(x), keepDims: true)];
    }

    [OnnxOp("GlobalMaxPool")]
    public static Tensor?[] GlobalMaxPool(OpContext c)
    {
        var x = RequireFloat(c, c.Input(0));
        if (x.Rank < 3) throw c.Fail($"X {x.Shape} needs (N, C, spatial...)");
        return [CoreOps.Reduce.Max(x, SpatialAxes(x), keepDims: true)];
    }

    private static int[] SpatialAxes(Tensor x) => Enumerable.Range(2, x.Rank - 2).ToArray();

    private static Tensor RequireFloat(OpContext c, Tensor x) =>
        x.DType == DType.Float32 ? x : throw c.Unsupported($"only float32 is supported, got {x.DType.Name()}");

    /// <summary>The window attributes and ceil_mode, for 1-, 2- or 3-D pooling.</summary>
    private static (Spatial S, bool Ceil) Read(OpContext c, Tensor x)
    {
        if (x.Rank < 3) throw c.Fail($"X {x.Shape} needs (N, C, spatial...)");
        if (x.Rank > 5) throw c.Unsupported($"{x.Rank - 2}-D pooling is not supported (1-D, 2-D and 3-D are)");
        return (Spatial.Read(c, x.Shape.Dims[2..].ToArray(), null), c.Attributes.Int("ceil_mode", 0) != 0);
    }

    /// <summary>Runs a 2-D pooling <paramref name="pool2d"/> ((N, C, H, W) with 2-D attributes) for 1-, 2- or 3-D x. A
    /// 1-D pool gets H = 1. A 3-D box pool is separable — max, sum and the per-axis tap counts that divide an average
    /// all factor over the axes — so it runs as a pool over (H, W) of every depth slice, then a (kD, 1) pool over
    /// (D, H'·W').</summary>
    private static Tensor Separable(Tensor x, Spatial s, Func<Tensor, Spatial, Tensor> pool2d)
    {
        switch (x.Rank)
        {
            case 3: return pool2d(x.Unsqueeze(2), Lift(s)).Squeeze(2);
            case 4: return pool2d(x, s);
            default:
                int n = x.Dim(0), ch = x.Dim(1), d = x.Dim(2), h = x.Dim(3), w = x.Dim(4);
                var planes = new Spatial(s.Kernel[1..], s.Strides[1..], s.Dilations[1..], s.Begin[1..], s.End[1..]);
                var inner = pool2d(x.Reshape(n, ch * d, h, w), planes);
                int h2 = inner.Dim(2), w2 = inner.Dim(3);
                var depth = new Spatial([s.Kernel[0], 1], [s.Strides[0], 1], [s.Dilations[0], 1], [s.Begin[0], 0], [s.End[0], 0]);
                var outer = pool2d(inner.Reshape(n, ch, d, h2 * w2), depth);
                return outer.Reshape(n, ch, outer.Dim(2), h2, w2);
        }
    }

    /// <summary>1-D window attributes as 2-D ones over (1, L).</summary>
    private static Spatial Lift(Spatial s) =>
        new([1, s.Kernel[0]], [1, s.Strides[0]], [1, s.Dilations[0]], [0, s.Begin[0]], [0, s.End[0]]);

    private static Tensor Restore(Tensor y, Tensor x) => x.Rank == 3 ? y.Squeeze(2) : y;
}
