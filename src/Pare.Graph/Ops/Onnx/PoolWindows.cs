using Pare.Core;
using Pare.Core.Ops;
using CoreOps = Pare.Core.Ops;

namespace Pare.Graph.Ops.Onnx;

/// <summary>2-D pooling windows with ONNX's attributes on (N, C, H, W), from Core ops. Symmetric pads of at most
/// half the window go straight to Core's pooling kernels; other pads (asymmetric, larger, SAME_*) and dilated
/// averages are composed: an explicit −∞ border before a max, a sum by convolution with a window of ones divided by
/// the count of each window.</summary>
internal static class PoolWindows
{
    /// <summary>Max over each window, with ONNX's flat indices (over the whole input; row- or column-major planes) when
    /// <paramref name="withIndices"/>.</summary>
    public static (Tensor Output, Tensor? Indices) Max(Tensor x4, Spatial s, bool ceil, bool withIndices, bool columnMajor)
    {
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
        if (!withIndices) return (Crop(CoreOps.Pooling.MaxPool2d(input, kernel, stride, padding, dilation, ceilMode), s, h, w, ceil), null);
        var (y, argmax) = CoreOps.Pooling.MaxPool2dWithIndices(input, kernel, stride, padding, dilation, ceilMode);
        return (Crop(y, s, h, w, ceil), Indices(Crop(argmax, s, h, w, ceil), input.Dim(3), shift, h, w, columnMajor));
    }

    /// <summary>Mean over each window; the divisor counts the taps inside x, or inside x and its pads when
    /// <paramref name="countPad"/>.</summary>
    public static Tensor Average(Tensor x4, Spatial s, bool ceil, bool countPad)
    {
        if (FitsCore(s) && s.Dilations.All(d => d == 1))
            return CoreOps.Pooling.AvgPool2d(x4, (s.Kernel[0], s.Kernel[1]), (s.Strides[0], s.Strides[1]), (s.Begin[0], s.Begin[1]), ceil, countPad);
        var sum = Sum(x4, s, ceil);
        return CoreOps.Elementwise.Div(sum, WindowCounts(s, x4.Dim(2), x4.Dim(3), sum.Dim(2), sum.Dim(3), countPad));
    }

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
    public static Tensor Sum(Tensor x4, Spatial s, bool ceil)
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
