using Pare.Core;
using Pare.Core.Ops;
using CoreOps = Pare.Core.Ops;

namespace Pare.Graph.Ops.Onnx;

/// <summary>MaxPool, AveragePool, LpPool, MaxUnpool, GlobalAveragePool and GlobalMaxPool (1-D and 2-D; float32, MaxPool also
/// int8/uint8). Symmetric pads of at most half the window go straight to Core's pooling kernels; other pads
/// (asymmetric, larger, SAME_*) and dilated averages are composed from Core ops — an explicit −∞ pad before a max,
/// a sum by convolution with a window of ones divided by the count of each window — so gradients always flow.</summary>
internal static class Pools
{
    [OnnxOp("MaxPool")]
    public static Tensor?[] MaxPool(OpContext c)
    {
        var x = c.Input(0);
        if (x.DType is DType.Int8 or DType.UInt8)
        {
            // small integers are exact in float32: pool there, convert back
            var r = MaxPoolFloat(c, x.To(DType.Float32));
            return [r[0]!.To(x.DType), r.Length > 1 ? r[1] : null];
        }
        if (x.DType != DType.Float32) throw c.Unsupported($"only float32, int8 and uint8 are supported, got {x.DType.Name()}");
        return MaxPoolFloat(c, x);
    }

    private static Tensor?[] MaxPoolFloat(OpContext c, Tensor x)
    {
        var (x4, s, ceil) = Prepare(c, x);
        int storageOrder = c.Attributes.Int32("storage_order", 0);
        if (storageOrder is not (0 or 1)) throw c.Fail($"storage_order {storageOrder} must be 0 or 1");
        int h = x4.Dim(2), w = x4.Dim(3);
        (int H, int W) kernel = (s.Kernel[0], s.Kernel[1]), stride = (s.Strides[0], s.Strides[1]), dilation = (s.Dilations[0], s.Dilations[1]);
        Tensor input = x4;
        (int H, int W) padding = (s.Begin[0], s.Begin[1]), shift = (0, 0);
        bool ceilMode = ceil;
        if (!FitsCore(s))
        {
            // explicit −∞ border (with room for ceil mode's last window), then a plain floor-mode pool
            input = PadTo(x4, s, ceil, float.NegativeInfinity);
            shift = padding;
            padding = (0, 0);
            ceilMode = false;
        }
        var (y, argmax) = CoreOps.Pooling.MaxPool2dWithIndices(input, kernel, stride, padding, dilation, ceilMode);
        y = Crop(y, s, h, w, ceil);
        Tensor? indices = null;
        if (c.WantsOutput(1))
            indices = Indices(Crop(argmax, s, h, w, ceil), input.Dim(3), shift, h, w, storageOrder == 1);
        return [Restore(y, x), indices is null ? null : Restore(indices, x)];
    }

    [OnnxOp("AveragePool")]
    public static Tensor?[] AveragePool(OpContext c)
    {
        var x = RequireFloat(c, c.Input(0));
        var (x4, s, ceil) = Prepare(c, x);
        bool countPad = c.Attributes.Int("count_include_pad", 0) != 0;
        Tensor y;
        if (FitsCore(s) && s.Dilations.All(d => d == 1))
        {
            y = CoreOps.Pooling.AvgPool2d(x4, (s.Kernel[0], s.Kernel[1]), (s.Strides[0], s.Strides[1]), (s.Begin[0], s.Begin[1]), ceil, countPad);
        }
        else
        {
            var sum = SumPool(x4, s, ceil);
            y = CoreOps.Elementwise.Div(sum, WindowCounts(s, x4.Dim(2), x4.Dim(3), sum.Dim(2), sum.Dim(3), countPad));
        }
        return [Restore(y, x)];
    }

    /// <summary>LpPool: (Σ |x|ᵖ over the window)^(1/p), zero padding.</summary>
    [OnnxOp("LpPool")]
    public static Tensor?[] LpPool(OpContext c)
    {
        var x = RequireFloat(c, c.Input(0));
        var (x4, s, ceil) = Prepare(c, x);
        // p is a float before opset 2, an int after
        float p = c.Attributes.Find("p") is { Kind: AttributeKind.Float } f ? f.F : c.Attributes.Int("p", 2);
        if (p <= 0) throw c.Fail($"p {p} must be positive");
        var powered = p == 2 ? CoreOps.Elementwise.Mul(x4, x4) : CoreOps.Elementwise.Pow(CoreOps.Elementwise.Abs(x4), p);
        var sum = SumPool(powered, s, ceil);
        var y = p == 2 ? CoreOps.Elementwise.Sqrt(sum) : CoreOps.Elementwise.Pow(sum, 1f / p);
        return [Restore(y, x)];
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

    /// <summary>x as (N, C, H, W) (a 1-D pool gets H = 1) with its window attributes in 2-D form.</summary>
    private static (Tensor X4, Spatial S, bool Ceil) Prepare(OpContext c, Tensor x)
    {
        if (x.Rank < 3) throw c.Fail($"X {x.Shape} needs (N, C, spatial...)");
        if (x.Rank > 4) throw c.Unsupported($"{x.Rank - 2}-D pooling is not supported (1-D and 2-D are)");
        var s = Spatial.Read(c, x.Shape.Dims[2..].ToArray(), null);
        bool ceil = c.Attributes.Int("ceil_mode", 0) != 0;
        if (x.Rank == 4) return (x, s, ceil);
        var s2 = new Spatial([1, s.Kernel[0]], [1, s.Strides[0]], [1, s.Dilations[0]], [0, s.Begin[0]], [0, s.End[0]]);
        return (x.Unsqueeze(2), s2, ceil);
    }

    private static Tensor Restore(Tensor y, Tensor x) => x.Rank == 3 ? y.Squeeze(2) : y;

    /// <summary>True when Core's kernels take the pads as they are: the same on both sides, at most half the window.</summary>
    private static bool FitsCore(Spatial s) =>
        s.SymmetricPads && s.Begin[0] <= s.Kernel[0] / 2 && s.Begin[1] <= s.Kernel[1] / 2;

    /// <summary>x padded with <paramref name="value"/> by the pads, plus at the end whatever ceil mode's last window
    /// needs, so that a floor-mode pool without padding yields at least the ONNX output size.</summary>
    private static Tensor PadTo(Tensor x4, Spatial s, bool ceil, float value)
    {
        int extraH = Extra(s, 0, x4.Dim(2), ceil), extraW = Extra(s, 1, x4.Dim(3), ceil);
        int[] pads = [s.Begin[1], s.End[1] + extraW, s.Begin[0], s.End[0] + extraH];
        return pads.All(p => p == 0) ? x4 : CoreOps.Assembly.Pad(x4, pads, PadMode.Constant, value);
    }

    private static int Extra(Spatial s, int axis, int size, bool ceil)
    {
        int outSize = s.PoolOutSize(axis, size, ceil);
        long needed = (long)(outSize - 1) * s.Strides[axis] + (long)s.Dilations[axis] * (s.Kernel[axis] - 1) + 1;
        return (int)Math.Max(0, needed - ((long)size + s.Begin[axis] + s.End[axis]));
    }

    /// <summary>The first ONNX-size rows and columns (a floor-mode pool over the ceil-padded input may give one more
    /// when the pads exceed the window).</summary>
    private static Tensor Crop(Tensor y, Spatial s, int h, int w, bool ceil)
    {
        int outH = s.PoolOutSize(0, h, ceil), outW = s.PoolOutSize(1, w, ceil);
        if (y.Dim(2) > outH) y = y.Slice(2, 0, outH);
        if (y.Dim(3) > outW) y = y.Slice(3, 0, outW);
        return y;
    }

    /// <summary>Σ of each window (zeros outside x) as a convolution of every plane with a window of ones.</summary>
    private static Tensor SumPool(Tensor x4, Spatial s, bool ceil)
    {
        int n = x4.Dim(0), ch = x4.Dim(1), h = x4.Dim(2), w = x4.Dim(3);
        int extraH = Extra(s, 0, h, ceil), extraW = Extra(s, 1, w, ceil);
        var ones = Tensor.Ones(new Shape(1, 1, s.Kernel[0], s.Kernel[1]));
        var options = new Conv2dOptions(s.Strides[0], s.Strides[1], s.Begin[0], s.Begin[1], s.End[0] + extraH, s.End[1] + extraW,
            s.Dilations[0], s.Dilations[1]);
        var sum = CoreOps.Convolution.Conv2d(x4.Reshape(n * ch, 1, h, w), ones, null, options);
        sum = sum.Reshape(n, ch, sum.Dim(2), sum.Dim(3));
        return Crop(sum, s, h, w, ceil);
    }

    /// <summary>(OutH, OutW) divisors: the taps of each window that fall inside x, or inside x and its pads when
    /// <paramref name="countPad"/> (never the extra room of ceil mode).</summary>
    private static Tensor WindowCounts(Spatial s, int h, int w, int outH, int outW, bool countPad)
    {
        var rows = Taps(s, 0, h, outH, countPad);
        var cols = Taps(s, 1, w, outW, countPad);
        var counts = new float[outH * outW];
        for (int i = 0; i < outH; i++)
            for (int j = 0; j < outW; j++) counts[i * outW + j] = rows[i] * cols[j];
        return Tensor.Wrap(counts, new Shape(outH, outW));
    }

    private static int[] Taps(Spatial s, int axis, int size, int outSize, bool countPad)
    {
        int lo = countPad ? -s.Begin[axis] : 0, hi = countPad ? size + s.End[axis] : size;
        var taps = new int[outSize];
        for (int o = 0; o < outSize; o++)
            for (int t = 0; t < s.Kernel[axis]; t++)
            {
                int p = o * s.Strides[axis] - s.Begin[axis] + t * s.Dilations[axis];
                if (p >= lo && p < hi) taps[o]++;
            }
        return taps;
    }

    /// <summary>ONNX MaxPool indices: flat positions in the whole input tensor, row-major (h·W + w) or, with
    /// storage_order 1, column-major (w·H + h) inside each plane.</summary>
    private static Tensor Indices(Tensor argmax, int paddedWidth, (int H, int W) shift, int h, int w, bool columnMajor)
    {
        var a = argmax.Contiguous().AsSpan<long>();
        int plane = argmax.Dim(2) * argmax.Dim(3);
        var result = new long[a.Length];
        for (int i = 0; i < a.Length; i++)
        {
            long iy = a[i] / paddedWidth - shift.H, ix = a[i] % paddedWidth - shift.W;
            long planeIndex = i / plane;
            result[i] = planeIndex * h * w + (columnMajor ? ix * h + iy : iy * w + ix);
        }
        return Tensor.Wrap(result, argmax.Shape);
    }
}
