namespace Pare.Core.Kernels.Pool;

/// <summary>Naive pooling straight from the definitions, with double sums: the scalar twins of
/// <see cref="MaxPool2d"/> and <see cref="AvgPool2d"/>.</summary>
public static class PoolReference
{
    /// <summary>Max pooling forward (first maximum wins; NaN wins).</summary>
    /// <param name="g">geometry</param>
    /// <param name="x">(N·C, H, W)</param>
    /// <param name="y">(N·C, OutH, OutW)</param>
    /// <param name="argmax">(N·C, OutH, OutW)</param>
    public static void MaxForward(in PoolGeometry g, ReadOnlySpan<float> x, Span<float> y, Span<int> argmax)
    {
        g.Check(x.Length, y.Length);
        int oh = g.OutHeight, ow = g.OutWidth, h = g.InHeight, w = g.InWidth;
        for (int p = 0; p < g.Planes; p++)
        for (int oy = 0; oy < oh; oy++)
        for (int ox = 0; ox < ow; ox++)
        {
            float best = float.NegativeInfinity;
            int at = -1;
            for (int kh = 0; kh < g.KernelH; kh++)
            for (int kw = 0; kw < g.KernelW; kw++)
            {
                int iy = oy * g.StrideH - g.PadH + kh * g.DilationH, ix = ox * g.StrideW - g.PadW + kw * g.DilationW;
                if (iy < 0 || iy >= h || ix < 0 || ix >= w) continue;
                float v = x[(p * h + iy) * w + ix];
                if (at < 0 || v > best || float.IsNaN(v))
                {
                    best = v;
                    at = iy * w + ix;
                }
            }
            y[(p * oh + oy) * ow + ox] = best;
            argmax[(p * oh + oy) * ow + ox] = Math.Max(at, 0);
        }
    }

    /// <summary>Average pooling forward.</summary>
    /// <param name="g">geometry</param>
    /// <param name="x">(N·C, H, W)</param>
    /// <param name="countIncludePad">divide by the window including padding</param>
    /// <param name="y">(N·C, OutH, OutW)</param>
    public static void AvgForward(in PoolGeometry g, ReadOnlySpan<float> x, bool countIncludePad, Span<float> y)
    {
        g.Check(x.Length, y.Length);
        int oh = g.OutHeight, ow = g.OutWidth, h = g.InHeight, w = g.InWidth;
        for (int p = 0; p < g.Planes; p++)
        for (int oy = 0; oy < oh; oy++)
        for (int ox = 0; ox < ow; ox++)
        {
            double sum = 0;
            int inside = 0, padded = 0;
            for (int kh = 0; kh < g.KernelH; kh++)
            for (int kw = 0; kw < g.KernelW; kw++)
            {
                int iy = oy * g.StrideH - g.PadH + kh, ix = ox * g.StrideW - g.PadW + kw;
                if (iy >= h + g.PadH || ix >= w + g.PadW) continue;
                padded++;
                if (iy < 0 || iy >= h || ix < 0 || ix >= w) continue;
                inside++;
                sum += x[(p * h + iy) * w + ix];
            }
            int divisor = countIncludePad ? padded : inside;
            y[(p * oh + oy) * ow + ox] = divisor > 0 ? (float)(sum / divisor) : 0f;
        }
    }

    /// <summary>Average pooling backward.</summary>
    /// <param name="g">geometry</param>
    /// <param name="dy">(N·C, OutH, OutW)</param>
    /// <param name="countIncludePad">as in the forward</param>
    /// <param name="dx">(N·C, H, W)</param>
    public static void AvgBackward(in PoolGeometry g, ReadOnlySpan<float> dy, bool countIncludePad, Span<float> dx)
    {
        g.Check(dx.Length, dy.Length);
        int oh = g.OutHeight, ow = g.OutWidth, h = g.InHeight, w = g.InWidth;
        var acc = new double[dx.Length];
        for (int p = 0; p < g.Planes; p++)
        for (int oy = 0; oy < oh; oy++)
        for (int ox = 0; ox < ow; ox++)
        {
            int inside = 0, padded = 0;
            for (int pass = 0; pass < 2; pass++)
            for (int kh = 0; kh < g.KernelH; kh++)
            for (int kw = 0; kw < g.KernelW; kw++)
            {
                int iy = oy * g.StrideH - g.PadH + kh, ix = ox * g.StrideW - g.PadW + kw;
                if (iy >= h + g.PadH || ix >= w + g.PadW) continue;
                bool valid = iy >= 0 && iy < h && ix >= 0 && ix < w;
                if (pass == 0)
                {
                    padded++;
                    if (valid) inside++;
                }
                else if (valid)
                {
                    int divisor = countIncludePad ? padded : inside;
                    acc[(p * h + iy) * w + ix] += (double)dy[(p * oh + oy) * ow + ox] / divisor;
                }
            }
        }
        for (int i = 0; i < acc.Length; i++) dx[i] = (float)acc[i];
    }
}
