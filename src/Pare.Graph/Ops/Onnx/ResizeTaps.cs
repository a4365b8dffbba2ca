namespace Pare.Graph.Ops.Onnx;

/// <summary>How Resize interpolates.</summary>
internal enum ResizeMode { Nearest, Linear, Cubic }

/// <summary>The settings of one Resize (or Upsample) node, read from its attributes by opset.</summary>
internal sealed record ResizeOptions(ResizeMode Mode, string CoordinateMode, string NearestMode, double CubicA,
    bool ExcludeOutside, float Extrapolation);

/// <summary>One axis of a separable resize as taps: output position j reads input positions
/// Index[j·Taps + t] with weights Weight[j·Taps + t], or is the extrapolation value when Outside[j]
/// (tf_crop_and_resize sampling outside the input). The formulas follow the ONNX spec's reference
/// (onnx/reference/ops/op_resize.py): edge-clamped neighbours, cubic coefficients with a = cubic_coeff_a,
/// exclude_outside renormalizing the weights that stay inside.</summary>
internal sealed class ResizeTaps
{
    private ResizeTaps(int outLength, int taps)
    {
        Taps = taps;
        Index = new int[outLength * taps];
        Weight = new float[outLength * taps];
        Outside = new bool[outLength];
    }

    public int Taps { get; }
    public int[] Index { get; }
    public float[] Weight { get; }
    public bool[] Outside { get; }
    public int OutLength => Outside.Length;

    /// <summary>True when every output reads the input at the same position with weight 1.</summary>
    public bool IsIdentity(int inLength)
    {
        if (OutLength != inLength) return false;
        for (int j = 0; j < OutLength; j++)
        {
            if (Outside[j]) return false;
            for (int t = 0; t < Taps; t++)
            {
                float w = Weight[j * Taps + t];
                if (w != 0 && (w != 1 || Index[j * Taps + t] != j)) return false;
            }
        }
        return true;
    }

    /// <summary>The taps of one axis from <paramref name="inLength"/> to <paramref name="outLength"/>.</summary>
    /// <param name="o">the node's settings</param>
    /// <param name="inLength">input size of the axis</param>
    /// <param name="outLength">output size of the axis</param>
    /// <param name="scale">the scale the coordinate transform divides by (given, or out/in)</param>
    /// <param name="roiStart">tf_crop_and_resize region start (normalized)</param>
    /// <param name="roiEnd">tf_crop_and_resize region end (normalized)</param>
    public static ResizeTaps Build(ResizeOptions o, int inLength, int outLength, double scale, double roiStart, double roiEnd)
    {
        int taps = o.Mode switch { ResizeMode.Nearest => 1, ResizeMode.Linear => 2, _ => 4 };
        var r = new ResizeTaps(outLength, taps);
        Span<double> coeffs = stackalloc double[taps];
        for (int j = 0; j < outLength; j++)
        {
            double x = Source(o.CoordinateMode, j, scale, inLength, outLength, roiStart, roiEnd);
            if (o.CoordinateMode == "tf_crop_and_resize" && (x < 0 || x > inLength - 1))
            {
                r.Outside[j] = true;
                continue;
            }
            var idx = r.Index.AsSpan(j * taps, taps);
            var w = r.Weight.AsSpan(j * taps, taps);
            if (o.Mode == ResizeMode.Nearest)
            {
                idx[0] = Math.Clamp((int)Nearest(o.NearestMode, x, scale), 0, inLength - 1);
                w[0] = 1;
                continue;
            }
            double x0 = Math.Floor(x), ratio = x - x0;
            int first;
            if (o.Mode == ResizeMode.Linear)
            {
                coeffs[0] = 1 - ratio;
                coeffs[1] = ratio;
                first = (int)x0;
            }
            else
            {
                Cubic(ratio, o.CubicA, coeffs);
                first = (int)x0 - 1;
            }
            double sum = 0;
            for (int t = 0; t < taps; t++)
            {
                int at = first + t;
                if (o.ExcludeOutside && (at < 0 || at >= inLength)) coeffs[t] = 0;
                sum += coeffs[t];
            }
            for (int t = 0; t < taps; t++)
            {
                idx[t] = Math.Clamp(first + t, 0, inLength - 1);
                w[t] = (float)(o.ExcludeOutside && sum != 0 ? coeffs[t] / sum : coeffs[t]);
            }
        }
        return r;
    }

    // Keys' cubic convolution weights of the four neighbours floor(x)−1 .. floor(x)+2.
    private static void Cubic(double r, double a, Span<double> c)
    {
        double r1 = r + 1, s = 1 - r, s1 = s + 1;
        c[0] = ((a * r1 - 5 * a) * r1 + 8 * a) * r1 - 4 * a;
        c[1] = ((a + 2) * r - (a + 3)) * r * r + 1;
        c[2] = ((a + 2) * s - (a + 3)) * s * s + 1;
        c[3] = ((a * s1 - 5 * a) * s1 + 8 * a) * s1 - 4 * a;
    }

    // Input coordinate of output position j. As in the ONNX reference, align_corners and pytorch_half_pixel use
    // the unrounded output length scale·in, tf_crop_and_resize the integer one.
    private static double Source(string mode, int j, double scale, int inLength, int outLength, double roiStart, double roiEnd)
    {
        double outWidth = scale * inLength;
        return mode switch
        {
            "half_pixel" => (j + 0.5) / scale - 0.5,
            "half_pixel_symmetric" => HalfPixelSymmetric(j, scale, inLength, outLength),
            "pytorch_half_pixel" => outWidth == 1 ? -0.5 : (j + 0.5) / scale - 0.5,
            "align_corners" => outWidth == 1 ? 0 : j * (inLength - 1) / (outWidth - 1),
            "asymmetric" => j / scale,
            "tf_half_pixel_for_nn" => (j + 0.5) / scale,
            "tf_crop_and_resize" => outLength > 1
                ? roiStart * (inLength - 1) + j * (roiEnd - roiStart) * (inLength - 1) / (outLength - 1)
                : 0.5 * (roiStart + roiEnd) * (inLength - 1),
            _ => throw new ArgumentException($"coordinate_transformation_mode '{mode}' is unknown"),
        };
    }

    private static double HalfPixelSymmetric(int j, double scale, int inLength, int outLength)
    {
        double adjustment = outLength / (scale * inLength);
        double offset = inLength / 2.0 * (1 - adjustment);
        return offset + (j + 0.5) / scale - 0.5;
    }

    private static double Nearest(string mode, double x, double scale)
    {
        double f = Math.Floor(x);
        bool half = x - f == 0.5;
        return mode switch
        {
            "round_prefer_floor" => half ? f : Math.Round(x),
            "round_prefer_ceil" => half ? f + 1 : Math.Round(x),
            "floor" => f,
            "ceil" => Math.Ceiling(x),
            // Resize-10 and Upsample (onnxruntime's rule): ceil when shrinking, floor when growing
            "simple" => scale < 1 ? Math.Ceiling(x) : f,
            _ => throw new ArgumentException($"nearest_mode '{mode}' is unknown"),
        };
    }
}
