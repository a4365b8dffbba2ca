namespace Pare.Core.Kernels.Conv;

/// <summary>Naive direct convolution with double accumulation: the scalar twin of <see cref="Conv2dKernel"/> and
/// <see cref="DepthwiseConv2d"/>, written straight from the definition
/// y[n, k, oy, ox] = b[k] + Σ_{c, kh, kw} w[k, c, kh, kw] · x[n, g·C_in/groups + c, oy·s − p + kh·d, ox·s − p + kw·d].</summary>
public static class Conv2dReference
{
    /// <summary>Forward.</summary>
    /// <param name="g">geometry</param>
    /// <param name="x">(N, C_in, H, W)</param>
    /// <param name="w">(C_out, C_in/groups, kH, kW)</param>
    /// <param name="bias">(C_out) or empty</param>
    /// <param name="y">(N, C_out, OutH, OutW), overwritten</param>
    public static void Forward(in ConvGeometry g, ReadOnlySpan<float> x, ReadOnlySpan<float> w, ReadOnlySpan<float> bias, Span<float> y)
    {
        Conv2dKernel.CheckSizes(g, x.Length, w.Length, y.Length);
        int oh = g.OutHeight, ow = g.OutWidth, cg = g.GroupInChannels, kg = g.GroupOutChannels;
        for (int n = 0; n < g.N; n++)
        for (int k = 0; k < g.OutChannels; k++)
        for (int oy = 0; oy < oh; oy++)
        for (int ox = 0; ox < ow; ox++)
        {
            double sum = bias.IsEmpty ? 0 : bias[k];
            for (int c = 0; c < cg; c++)
            for (int kh = 0; kh < g.KernelH; kh++)
            for (int kw = 0; kw < g.KernelW; kw++)
            {
                int iy = oy * g.StrideH - g.PadTop + kh * g.DilationH, ix = ox * g.StrideW - g.PadLeft + kw * g.DilationW;
                if (iy < 0 || iy >= g.InHeight || ix < 0 || ix >= g.InWidth) continue;
                int ci = k / kg * cg + c;
                sum += (double)w[((k * cg + c) * g.KernelH + kh) * g.KernelW + kw] * x[((n * g.InChannels + ci) * g.InHeight + iy) * g.InWidth + ix];
            }
            y[((n * g.OutChannels + k) * oh + oy) * ow + ox] = (float)sum;
        }
    }

    /// <summary>Input gradient.</summary>
    /// <param name="g">geometry</param>
    /// <param name="dy">(N, C_out, OutH, OutW)</param>
    /// <param name="w">(C_out, C_in/groups, kH, kW)</param>
    /// <param name="dx">(N, C_in, H, W), overwritten</param>
    public static void BackwardInput(in ConvGeometry g, ReadOnlySpan<float> dy, ReadOnlySpan<float> w, Span<float> dx)
    {
        Conv2dKernel.CheckSizes(g, dx.Length, w.Length, dy.Length);
        var acc = new double[dx.Length];
        int oh = g.OutHeight, ow = g.OutWidth, cg = g.GroupInChannels, kg = g.GroupOutChannels;
        for (int n = 0; n < g.N; n++)
        for (int k = 0; k < g.OutChannels; k++)
        for (int oy = 0; oy < oh; oy++)
        for (int ox = 0; ox < ow; ox++)
        {
            double d = dy[((n * g.OutChannels + k) * oh + oy) * ow + ox];
            for (int c = 0; c < cg; c++)
            for (int kh = 0; kh < g.KernelH; kh++)
            for (int kw = 0; kw < g.KernelW; kw++)
            {
                int iy = oy * g.StrideH - g.PadTop + kh * g.DilationH, ix = ox * g.StrideW - g.PadLeft + kw * g.DilationW;
                if (iy < 0 || iy >= g.InHeight || ix < 0 || ix >= g.InWidth) continue;
                int ci = k / kg * cg + c;
                acc[((n * g.InChannels + ci) * g.InHeight + iy) * g.InWidth + ix] += d * w[((k * cg + c) * g.KernelH + kh) * g.KernelW + kw];
            }
        }
        for (int i = 0; i < acc.Length; i++) dx[i] = (float)acc[i];
    }

    /// <summary>Weight gradient.</summary>
    /// <param name="g">geometry</param>
    /// <param name="x">(N, C_in, H, W)</param>
    /// <param name="dy">(N, C_out, OutH, OutW)</param>
    /// <param name="dw">(C_out, C_in/groups, kH, kW), overwritten</param>
    public static void BackwardWeight(in ConvGeometry g, ReadOnlySpan<float> x, ReadOnlySpan<float> dy, Span<float> dw)
    {
        Conv2dKernel.CheckSizes(g, x.Length, dw.Length, dy.Length);
        int oh = g.OutHeight, ow = g.OutWidth, cg = g.GroupInChannels, kg = g.GroupOutChannels;
        for (int k = 0; k < g.OutChannels; k++)
        for (int c = 0; c < cg; c++)
        for (int kh = 0; kh < g.KernelH; kh++)
        for (int kw = 0; kw < g.KernelW; kw++)
        {
            double sum = 0;
            int ci = k / kg * cg + c;
            for (int n = 0; n < g.N; n++)
            for (int oy = 0; oy < oh; oy++)
            for (int ox = 0; ox < ow; ox++)
            {
                int iy = oy * g.StrideH - g.PadTop + kh * g.DilationH, ix = ox * g.StrideW - g.PadLeft + kw * g.DilationW;
                if (iy < 0 || iy >= g.InHeight || ix < 0 || ix >= g.InWidth) continue;
                sum += (double)dy[((n * g.OutChannels + k) * oh + oy) * ow + ox] * x[((n * g.InChannels + ci) * g.InHeight + iy) * g.InWidth + ix];
            }
            dw[((k * cg + c) * g.KernelH + kh) * g.KernelW + kw] = (float)sum;
        }
    }
}
