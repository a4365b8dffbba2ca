using Pare.Core;
using Pare.Core.Autograd;
using CoreOps = Pare.Core.Ops;

namespace Pare.Graph.Ops.Onnx;

/// <summary>Resize (opsets 10–19) and Upsample (7, 9): separable nearest, linear and cubic resampling, one axis
/// at a time from the last to the first (the order of the ONNX reference, which matters only for the
/// extrapolation value). Inference runs a direct tap kernel; when the input needs a gradient, each axis is a
/// product with its dense interpolation matrix through Core's matmul instead, so the gradient flows.</summary>
internal static class Resizing
{
    [OnnxOp("Resize")]
    public static Tensor?[] Resize(OpContext c)
    {
        var x = c.Input(0);
        int rank = x.Rank;
        var a = c.Attributes;
        if (c.Opset >= 18 && a.Int("antialias", 0) != 0 && a.String("mode", "nearest") != "nearest")
            throw c.Unsupported("antialias is not supported");
        var options = c.Opset < 11
            ? new ResizeOptions(ParseMode(c), "asymmetric", "simple", -0.75, false, 0f)
            : new ResizeOptions(ParseMode(c), a.String("coordinate_transformation_mode", "half_pixel"),
                a.String("nearest_mode", "round_prefer_floor"), a.Float("cubic_coeff_a", -0.75f),
                a.Int("exclude_outside", 0) != 0, a.Float("extrapolation_value", 0f));
        var axes = c.Opset >= 18 && a.Ints("axes") is { } given ? c.DistinctAxes(given, rank) : Enumerable.Range(0, rank).ToArray();
        Tensor? roi = null, scalesT, sizesT = null;
        if (c.Opset < 11) scalesT = c.Input(1);
        else
        {
            roi = c.OptionalInput(1);
            scalesT = c.OptionalInput(2);
            sizesT = c.OptionalInput(3);
        }
        if (scalesT is { Count: 0 }) scalesT = null;
        if (sizesT is { Count: 0 }) sizesT = null;
        if ((scalesT is null) == (sizesT is null)) throw c.Fail("exactly one of scales and sizes must be given");
        var roiStart = new double[rank];
        var roiEnd = Enumerable.Repeat(1.0, rank).ToArray();
        if (options.CoordinateMode == "tf_crop_and_resize")
        {
            if (roi is null || roi.Count != 2 * axes.Length) throw c.Fail($"tf_crop_and_resize needs roi with {2 * axes.Length} values");
            var r = roi.To(DType.Float32).ToArray<float>();
            for (int i = 0; i < axes.Length; i++) (roiStart[axes[i]], roiEnd[axes[i]]) = (r[i], r[i + axes.Length]);
        }
        var scales = Enumerable.Repeat(1.0, rank).ToArray();
        var outDims = x.Shape.Dims.ToArray();
        if (scalesT is not null)
        {
            var s = scalesT.DType == DType.Float32 ? scalesT.ToArray<float>() : throw c.Unsupported($"scales of type {scalesT.DType.Name()}");
            if (s.Length != axes.Length) throw c.Fail($"scales has {s.Length} values for {axes.Length} axes");
            for (int i = 0; i < axes.Length; i++)
            {
                int d = axes[i];
                if (!(s[i] > 0)) throw c.Fail($"scale {s[i]} must be positive");
                scales[d] = s[i];
                outDims[d] = c.Size((long)Math.Floor(x.Shape[d] * (roiEnd[d] - roiStart[d]) * s[i]), "output size");
            }
        }
        else
        {
            var sizes = c.Longs(sizesT!, "sizes");
            if (sizes.Length != axes.Length) throw c.Fail($"sizes has {sizes.Length} values for {axes.Length} axes");
            var policy = c.Opset >= 18 ? a.String("keep_aspect_ratio_policy", "stretch") : "stretch";
            double common = policy switch
            {
                "stretch" => 0,
                "not_larger" => axes.Select((d, i) => sizes[i] / (double)x.Shape[d]).Min(),
                "not_smaller" => axes.Select((d, i) => sizes[i] / (double)x.Shape[d]).Max(),
                _ => throw c.Fail($"keep_aspect_ratio_policy '{policy}' is not stretch, not_larger or not_smaller"),
            };
            for (int i = 0; i < axes.Length; i++)
            {
                int d = axes[i];
                if (policy == "stretch")
                {
                    outDims[d] = c.Size(sizes[i], "size");
                    scales[d] = x.Shape[d] == 0 ? 1 : outDims[d] / (double)x.Shape[d];
                }
                else
                {
                    scales[d] = common;
                    outDims[d] = c.Size((long)Math.Floor(common * x.Shape[d] + 0.5), "size");
                }
            }
        }
        return [Apply(c, x, options, scales, outDims, roiStart, roiEnd)];
    }

    [OnnxOp("Upsample")]
    public static Tensor?[] Upsample(OpContext c)
    {
        var x = c.Input(0);
        if (c.Opset < 7) throw c.Unsupported("Upsample before opset 7 (experimental) is not supported");
        var s = c.Opset < 9
            ? c.Attributes.Floats("scales") ?? throw c.Fail("required attribute 'scales' is missing")
            : c.Input(1).DType == DType.Float32 ? c.Input(1).ToArray<float>() : throw c.Fail("scales must be float32");
        if (s.Length != x.Rank) throw c.Fail($"scales has {s.Length} values for shape {x.Shape}");
        var options = new ResizeOptions(ParseMode(c), "asymmetric", "simple", -0.75, false, 0f);
        var scales = new double[x.Rank];
        var outDims = new int[x.Rank];
        for (int d = 0; d < x.Rank; d++)
        {
            if (!(s[d] >= 1)) throw c.Fail($"scale {s[d]} must be at least 1");
            scales[d] = s[d];
            outDims[d] = c.Size((long)Math.Floor(x.Shape[d] * (double)s[d]), "output size");
        }
        return [Apply(c, x, options, scales, outDims, new double[x.Rank], Enumerable.Repeat(1.0, x.Rank).ToArray())];
    }

    private static ResizeMode ParseMode(OpContext c) => c.Attributes.String("mode", "nearest") switch
    {
        "nearest" => ResizeMode.Nearest,
        "linear" or "bilinear" => ResizeMode.Linear,
        "cubic" when c.Node.OpType == "Resize" && c.Opset >= 11 => ResizeMode.Cubic,
        var m => throw c.Fail($"mode '{m}' is not supported by this op version"),
    };

    private static Tensor Apply(OpContext c, Tensor x, ResizeOptions o, double[] scales, int[] outDims, double[] roiStart, double[] roiEnd)
    {
        if (x.DType != DType.Float32 && o.Mode != ResizeMode.Nearest)
            throw c.Unsupported($"{o.Mode.ToString().ToLowerInvariant()} resize of {x.DType.Name()} is not supported (float32 is)");
        bool grad = x.RequiresGrad && Tape.IsEnabled;
        var y = x;
        for (int d = x.Rank - 1; d >= 0; d--)
        {
            ResizeTaps taps;
            try
            {
                taps = ResizeTaps.Build(o, x.Shape[d], outDims[d], scales[d], roiStart[d], roiEnd[d]);
            }
            catch (ArgumentException e)
            {
                throw c.Fail(e.Message);
            }
            if (taps.IsIdentity(x.Shape[d])) continue;
            if (x.Shape[d] == 0 && outDims[d] > 0) throw c.Fail($"cannot resize empty axis {d} to {outDims[d]}");
            y = grad ? AxisMatMul(y, d, taps, o.Extrapolation) : AxisTaps(y, d, taps, o.Extrapolation);
        }
        return y;
    }

    // y[o, j, i] = Σ_t w[j, t] · x[o, index[j, t], i], or the extrapolation value, on x viewed as (outer, n, inner).
    private static Tensor AxisTaps(Tensor x, int axis, ResizeTaps taps, float extrapolation)
    {
        var dims = x.Shape.Dims;
        int outer = ElementMaps.Product(dims, 0, axis), n = dims[axis], inner = ElementMaps.Product(dims, axis + 1, x.Rank);
        int m = taps.OutLength, k = taps.Taps;
        var shape = x.Shape.With(axis, m);
        if (x.DType != DType.Float32)
        {
            var map = new int[shape.ElementCount];
            for (int o = 0, at = 0; o < outer; o++)
                for (int j = 0; j < m; j++)
                    for (int i = 0; i < inner; i++, at++)
                        map[at] = taps.Outside[j] ? -1 : (o * n + taps.Index[j * k]) * inner + i;
            return ElementMaps.Take(x, map, shape, Tensor.Scalar(extrapolation));
        }
        var src = x.IsContiguous ? x.AsSpan<float>() : x.ToArray<float>();
        var dst = TensorMemory.Zeroed<float>(shape.ElementCount);
        if (k == 1 && Array.TrueForAll(taps.Weight, v => v == 1f))
        {
            // nearest: a gather of whole rows (inner > 1) or of single values (the last axis), not a weighted sum
            // per element, which cost a span slice and a one-element loop per output value
            Nearest(src, outer, n, inner, taps, extrapolation, dst);
            return Tensor.Wrap(dst, shape);
        }
        for (int o = 0; o < outer; o++)
        {
            var plane = src.Slice(o * n * inner, n * inner);
            for (int j = 0; j < m; j++)
            {
                var row = dst.AsSpan((o * m + j) * inner, inner);
                if (taps.Outside[j]) { row.Fill(extrapolation); continue; }
                for (int t = 0; t < k; t++)
                {
                    float w = taps.Weight[j * k + t];
                    if (w == 0) continue;
                    var from = plane.Slice(taps.Index[j * k + t] * inner, inner);
                    for (int i = 0; i < inner; i++) row[i] += w * from[i];
                }
            }
        }
        return Tensor.Wrap(dst, shape);
    }

    // y[o, j, i] = x[o, index[j], i] (or the extrapolation value) on x viewed as (outer, n, inner).
    private static void Nearest(ReadOnlySpan<float> src, int outer, int n, int inner, ResizeTaps taps, float extrapolation, Span<float> dst)
    {
        int m = taps.OutLength;
        var index = taps.Index;
        var outside = taps.Outside;
        if (inner == 1)
        {
            for (int o = 0; o < outer; o++)
            {
                var from = src.Slice(o * n, n);
                var row = dst.Slice(o * m, m);
                for (int j = 0; j < m; j++) row[j] = outside[j] ? extrapolation : from[index[j]];
            }
            return;
        }
        for (int o = 0; o < outer; o++)
        {
            for (int j = 0; j < m; j++)
            {
                var row = dst.Slice((o * m + j) * inner, inner);
                if (outside[j]) row.Fill(extrapolation);
                else src.Slice((o * n + index[j]) * inner, inner).CopyTo(row);
            }
        }
    }

    // The same resample as a product with the dense (n, m) interpolation matrix, recorded by Core's matmul.
    private static Tensor AxisMatMul(Tensor x, int axis, ResizeTaps taps, float extrapolation)
    {
        int n = x.Shape[axis], m = taps.OutLength, k = taps.Taps, last = x.Rank - 1;
        var w = new float[n * m];
        for (int j = 0; j < m; j++)
            if (!taps.Outside[j])
                for (int t = 0; t < k; t++) w[taps.Index[j * k + t] * m + j] += taps.Weight[j * k + t];
        var moved = x.Transpose(axis, last);
        var y = CoreOps.Linalg.MatMul(moved, Tensor.Wrap(w, new Shape(n, m))).Transpose(axis, last);
        if (!taps.Outside.Contains(true)) return y.Contiguous();
        var maskDims = Enumerable.Repeat(1, x.Rank).ToArray();
        maskDims[axis] = m;
        var outside = Tensor.Wrap((bool[])taps.Outside.Clone(), new Shape(maskDims));
        return CoreOps.Elementwise.Where(outside, Tensor.Scalar(extrapolation), y);
    }
}
