using Pare.Core;
using CoreOps = Pare.Core.Ops;

namespace Pare.Graph.Ops.Onnx;

/// <summary>GridSample (opset 16: 4-D; from 20: any rank) composed on Core ops so gradients flow to X and the grid:
/// each output point is a weighted sum of gathered input pixels. Per spatial axis the normalized coordinate is
/// mapped to pixels (align_corners), remapped by the padding mode when it falls outside, and split into integer taps
/// (1 nearest, 2 linear, 4 cubic) with weights that are polynomials of its fractional part; the taps of all axes
/// combine as an outer product. Out-of-range coordinates are remapped as x' = slope·x + offset with constant
/// slope/offset (0 when clamped, ±1 when reflected), which keeps the grid gradient exact almost everywhere.</summary>
internal static class GridSample
{
    private const double CubicAlpha = -0.75;

    /// <summary>Inputs X (N, C, D_1, .., D_k) and grid (N, O_1, .., O_m, k) whose last axis lists the coordinates in
    /// reverse axis order (x = width first); output (N, C, O_1, .., O_m).</summary>
    [OnnxOp("GridSample", SinceVersion = 16)]
    public static Tensor?[] Run(OpContext c)
    {
        var (x, grid) = (c.Input(0), c.Input(1));
        if (x.DType != DType.Float32 || grid.DType != DType.Float32)
            throw c.Unsupported($"only float32 is supported, got {x.DType.Name()} and {grid.DType.Name()}");
        int k = x.Rank - 2;
        if (k < 1 || (c.Opset < 20 && x.Rank != 4)) throw c.Fail($"X {x.Shape} must be (N, C, spatial..){(c.Opset < 20 ? " with two spatial axes before opset 20" : "")}");
        if (grid.Rank != x.Rank || grid.Shape[0] != x.Shape[0] || grid.Shape[-1] != k)
            throw c.Fail($"grid {grid.Shape} must be (N, out.., {k}) for X {x.Shape}");
        string mode = c.Attributes.String("mode", c.Opset < 20 ? "bilinear" : "linear") switch
        {
            "bilinear" or "linear" => "linear",
            "bicubic" or "cubic" => "cubic",
            "nearest" => "nearest",
            var m => throw c.Fail($"mode '{m}' is not linear, nearest or cubic"),
        };
        string padding = c.Attributes.String("padding_mode", "zeros");
        if (padding is not ("zeros" or "border" or "reflection")) throw c.Fail($"padding_mode '{padding}' is not zeros, border or reflection");
        bool align = c.Attributes.Int("align_corners", 0) != 0;

        int n = x.Shape[0], channels = x.Shape[1];
        var sizes = x.Shape.Dims[2..].ToArray();
        var outDims = grid.Shape.Dims[1..^1].ToArray();
        int points = 1, pixels = 1;
        foreach (int o in outDims) points *= o;
        foreach (int s in sizes) pixels *= s;
        int[] yDims = [n, channels, .. outDims];
        if ((long)n * channels * points == 0) return [Tensor.Zeros(new Shape(yDims))];
        if (pixels == 0) throw c.Unsupported($"X {x.Shape} has an empty spatial axis");

        var coordinates = grid.Reshape(n, points, k);
        var taps = new AxisTaps[k];
        for (int i = 0; i < k; i++)
        {
            var normalized = coordinates.Slice(2, k - 1 - i, k - i).Reshape(n, points);
            taps[i] = AxisTaps.Of(normalized, sizes[i], mode, padding, align);
        }
        var flat = x.Reshape(n, channels, pixels);
        Tensor? y = null;
        foreach (var term in Terms(flat, taps, sizes, n, channels, points)) y = y is null ? term : CoreOps.Elementwise.Add(y, term);
        return [y!.Reshape(yDims)];
    }

    /// <summary>One gathered, weighted term per combination of the axes' taps.</summary>
    private static IEnumerable<Tensor> Terms(Tensor flat, AxisTaps[] taps, int[] sizes, int n, int channels, int points)
    {
        int k = taps.Length;
        var choice = new int[k];
        var index = new long[(long)n * channels * points];
        var valid = new float[n * points];
        while (true)
        {
            bool anyInvalid = false;
            Tensor? weight = null;
            for (int q = 0; q < n * points; q++)
            {
                long at = 0;
                bool ok = true;
                for (int i = 0; i < k; i++)
                {
                    int pixel = taps[i].Index[choice[i]][q];
                    ok &= pixel >= 0;
                    at = at * sizes[i] + Math.Max(pixel, 0);
                }
                valid[q] = ok ? 1f : 0f;
                anyInvalid |= !ok;
                int b = q / points, p = q % points;
                for (int ch = 0; ch < channels; ch++) index[((long)b * channels + ch) * points + p] = ok ? at : 0;
            }
            for (int i = 0; i < k; i++)
            {
                if (taps[i].Weight[choice[i]] is { } w) weight = weight is null ? w : CoreOps.Elementwise.Mul(weight, w);
            }
            if (anyInvalid)
            {
                var mask = Tensor.Wrap((float[])valid.Clone(), new Shape(n, points));
                weight = weight is null ? mask : CoreOps.Elementwise.Mul(weight, mask);
            }
            var gathered = CoreOps.Indexing.Gather(flat, 2, Tensor.Wrap((long[])index.Clone(), new Shape(n, channels, points)));
            yield return weight is null ? gathered : CoreOps.Elementwise.Mul(gathered, weight.Unsqueeze(1));

            // next combination, last axis fastest
            int axis = k - 1;
            while (axis >= 0 && ++choice[axis] == taps[axis].Index.Length) choice[axis--] = 0;
            if (axis < 0) yield break;
        }
    }

    /// <summary>The taps of one spatial axis: per tap the pixel of every (batch, point) (−1 = outside, reads zero)
    /// and its weight (N, points), or null for weight 1.</summary>
    private sealed record AxisTaps(int[][] Index, Tensor?[] Weight)
    {
        public static AxisTaps Of(Tensor normalized, int size, string mode, string padding, bool align)
        {
            // pixel coordinate: align_corners maps ±1 to the centres of the end pixels, else to their outer edges
            var coordinate = align
                ? CoreOps.Elementwise.Mul(CoreOps.Elementwise.Add(normalized, 1f), (size - 1) / 2f)
                : CoreOps.Elementwise.Sub(CoreOps.Elementwise.Mul(CoreOps.Elementwise.Add(normalized, 1f), size / 2f), 0.5f);
            double lo = align ? 0 : -0.5, hi = align ? size - 1 : size - 0.5;
            if (mode == "nearest")
            {
                // rounded (half to even, nearbyint, in every rank as ONNX's reference data has it), then remapped like
                // a coordinate, then read like a tap
                var nearest = Array.ConvertAll(coordinate.Detach().ToArray<float>(), v =>
                {
                    double r = Math.Round(v, MidpointRounding.ToEven);
                    if (padding != "zeros" && (r < lo || r > hi)) r = padding == "border" ? Math.Clamp(r, 0, size - 1) : Reflect(r, lo, hi).Value;
                    return Pixel((long)r, size, padding, lo, hi);
                });
                return new AxisTaps([nearest], [null]);
            }
            var (remapped, values) = Remap(coordinate, size, padding, lo, hi);
            var floor = Array.ConvertAll(values, v => (float)Math.Floor(v));
            var t = CoreOps.Elementwise.Sub(remapped, Tensor.Wrap(floor, remapped.Shape));
            int first = mode == "linear" ? 0 : -1, count = mode == "linear" ? 2 : 4;
            var index = new int[count][];
            for (int j = 0; j < count; j++) index[j] = Array.ConvertAll(floor, f => Pixel((long)f + first + j, size, padding, lo, hi));
            Tensor?[] weights = mode == "linear"
                ? [CoreOps.Elementwise.Sub(1f, t), t]
                : [Cubic(CoreOps.Elementwise.Add(t, 1f), far: true), Cubic(t, far: false), Cubic(CoreOps.Elementwise.Sub(1f, t), far: false), Cubic(CoreOps.Elementwise.Sub(2f, t), far: true)];
            return new AxisTaps(index, weights);
        }

        /// <summary>Keys' cubic convolution kernel at distance u: |u| ≤ 1 (near) or 1 &lt; |u| &lt; 2 (far), by Horner.</summary>
        private static Tensor Cubic(Tensor u, bool far)
        {
            const double A = CubicAlpha;
            double[] p = far ? [A, -5 * A, 8 * A, -4 * A] : [A + 2, -(A + 3), 0, 1];
            var y = CoreOps.Elementwise.Mul(u, (float)p[0]);
            for (int i = 1; i < 4; i++)
            {
                y = CoreOps.Elementwise.Add(y, (float)p[i]);
                if (i < 3) y = CoreOps.Elementwise.Mul(y, u);
            }
            return y;
        }

        /// <summary>Coordinates outside [lo, hi] clamped (border) or reflected (reflection); zeros leaves them.</summary>
        /// <returns>the remapped coordinate (differentiable) and its values</returns>
        private static (Tensor Remapped, double[] Values) Remap(Tensor coordinate, int size, string padding, double lo, double hi)
        {
            var values = Array.ConvertAll(coordinate.Detach().ToArray<float>(), v => (double)v);
            if (padding == "zeros") return (coordinate, values);
            var slope = new float[values.Length];
            var offset = new float[values.Length];
            bool moved = false;
            for (int i = 0; i < values.Length; i++)
            {
                double v = values[i];
                double s = 1;
                if (v < lo || v > hi)
                {
                    moved = true;
                    (values[i], s) = padding == "border" ? (Math.Clamp(v, 0, size - 1), 0) : Reflect(v, lo, hi);
                }
                slope[i] = (float)s;
                offset[i] = (float)(values[i] - s * v);
            }
            if (!moved) return (coordinate, values);
            var remapped = CoreOps.Elementwise.Add(CoreOps.Elementwise.Mul(coordinate, Tensor.Wrap(slope, coordinate.Shape)), Tensor.Wrap(offset, coordinate.Shape));
            return (remapped, values);
        }

        /// <summary>The pixel a tap reads: itself inside the axis; outside, −1 (zeros), the nearest end (border) or its
        /// mirror image in [lo, hi] truncated to an integer (reflection).</summary>
        private static int Pixel(long tap, int size, string padding, double lo, double hi) => padding switch
        {
            "zeros" => tap >= 0 && tap < size ? (int)tap : -1,
            "border" => (int)Math.Clamp(tap, 0, size - 1),
            _ => (int)Math.Clamp((long)Reflect(tap, lo, hi).Value, 0, size - 1),
        };

        /// <summary>v folded into [lo, hi] by mirroring at the nearer end until it lands inside; the slope dv'/dv is
        /// −1 after an odd number of mirrorings counted from the first, +1 otherwise.</summary>
        private static (double Value, double Slope) Reflect(double v, double lo, double hi)
        {
            double range = hi - lo;
            if (range <= 0) return (lo, 0);
            if (v < lo)
            {
                double dx = lo - v;
                long folds = (long)(dx / range);
                double r = dx - folds * range;
                return folds % 2 == 0 ? (lo + r, -1) : (hi - r, 1);
            }
            if (v > hi)
            {
                double dx = v - hi;
                long folds = (long)(dx / range);
                double r = dx - folds * range;
                return folds % 2 == 0 ? (hi - r, -1) : (lo + r, 1);
            }
            return (v, 1);
        }
    }
}
