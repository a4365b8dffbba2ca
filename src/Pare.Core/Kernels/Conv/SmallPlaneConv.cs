using System.Buffers;

namespace Pare.Core.Kernels.Conv;

/// <summary>Forward 2-D (and 1-D, H = 1) convolution whose output plane has only a few positions, as in batch-1
/// audio models (silero VAD's STFT and encoder convs have 1–4 output positions). The im2col GEMM would pack all the
/// weights for a product only a few columns wide; here each image's patches are laid out transposed (plane × patch,
/// every patch contiguous) and every output is a dot product of a filter row with a patch row
/// (<see cref="Gemm.Gemm.SgemmRowDots"/>), so the weights are read once, as stored. Scalar twin:
/// <see cref="Conv2dReference"/>.</summary>
public static class SmallPlaneConv
{
    /// <summary>Largest output plane (OutH·OutW) this kernel takes: up to it streaming the filters a few times beats
    /// packing them once for the tiled GEMM.</summary>
    public const int MaxPlane = 8;

    /// <summary>True when <paramref name="g"/> has a small output plane and is not depthwise (which has its own kernel).</summary>
    /// <param name="g">geometry (valid)</param>
    public static bool Fits(in ConvGeometry g) =>
        !g.IsDepthwise && g.OutHeight * g.OutWidth is > 0 and <= MaxPlane && g.PatchSize > 0;

    /// <summary>y = conv(x, w) + bias.</summary>
    /// <param name="g">geometry (valid; see <see cref="Fits"/>)</param>
    /// <param name="x">(N, C_in, H, W)</param>
    /// <param name="w">(C_out, C_in/groups, kH, kW)</param>
    /// <param name="bias">(C_out) or empty for none</param>
    /// <param name="y">(N, C_out, OutH, OutW), overwritten</param>
    public static void Forward(in ConvGeometry g, ReadOnlySpan<float> x, ReadOnlySpan<float> w, ReadOnlySpan<float> bias, Span<float> y)
    {
        Conv2dKernel.CheckSizes(g, x.Length, w.Length, y.Length);
        if (!bias.IsEmpty && bias.Length != g.OutChannels) throw new ArgumentException($"bias has {bias.Length} values for {g.OutChannels} output channels");
        if (y.IsEmpty) return;
        int plane = g.OutHeight * g.OutWidth, patch = g.PatchSize, kg = g.GroupOutChannels;
        int inImage = g.InChannels * g.InHeight * g.InWidth, inGroup = g.GroupInChannels * g.InHeight * g.InWidth;
        var rented = ArrayPool<float>.Shared.Rent(plane * patch);
        try
        {
            var cols = rented.AsSpan(0, plane * patch);
            for (int n = 0; n < g.N; n++)
            {
                for (int grp = 0; grp < g.Groups; grp++)
                {
                    PatchRows(g, x.Slice(n * inImage + grp * inGroup, inGroup), cols);
                    var yg = y.Slice((n * g.OutChannels + grp * kg) * plane, kg * plane);
                    float beta = 0f;
                    if (!bias.IsEmpty)
                    {
                        for (int k = 0; k < kg; k++) yg.Slice(k * plane, plane).Fill(bias[grp * kg + k]);
                        beta = 1f;
                    }
                    Gemm.Gemm.SgemmRowDots(kg, plane, patch, w.Slice(grp * kg * patch, kg * patch), patch, cols, patch, beta, yg, plane, 1);
                }
            }
        }
        finally
        {
            ArrayPool<float>.Shared.Return(rented);
        }
    }

    /// <summary>The transposed im2col matrix of one image and group: row j (output position oy·OutW + ox) holds its
    /// patch in weight order (c, kh, kw), zeros where the window overhangs the padding.</summary>
    /// <param name="g">geometry</param>
    /// <param name="x">(C_in/groups, H, W) of the group</param>
    /// <param name="cols">(OutH·OutW, patch), overwritten</param>
    internal static void PatchRows(in ConvGeometry g, ReadOnlySpan<float> x, Span<float> cols)
    {
        int oh = g.OutHeight, ow = g.OutWidth, kh = g.KernelH, kw = g.KernelW, h = g.InHeight, wd = g.InWidth;
        int patch = g.PatchSize, cg = g.GroupInChannels;
        for (int oy = 0; oy < oh; oy++)
        for (int ox = 0; ox < ow; ox++)
        {
            var row = cols.Slice((oy * ow + ox) * patch, patch);
            int ix0 = ox * g.StrideW - g.PadLeft;
            // taps kx in [lo, hi) fall inside the row; with dilation 1 they are one contiguous run of x
            int lo = 0, hi = kw;
            while (lo < kw && ix0 + lo * g.DilationW < 0) lo++;
            while (hi > lo && ix0 + (hi - 1) * g.DilationW >= wd) hi--;
            for (int c = 0; c < cg; c++)
            for (int ky = 0; ky < kh; ky++)
            {
                var dst = row.Slice((c * kh + ky) * kw, kw);
                int iy = oy * g.StrideH - g.PadTop + ky * g.DilationH;
                if (iy < 0 || iy >= h || lo >= hi)
                {
                    dst.Clear();
                    continue;
                }
                dst[..lo].Clear();
                dst[hi..].Clear();
                var src = x.Slice((c * h + iy) * wd, wd);
                if (g.DilationW == 1)
                {
                    src.Slice(ix0 + lo, hi - lo).CopyTo(dst[lo..hi]);
                }
                else
                {
                    for (int t = lo; t < hi; t++) dst[t] = src[ix0 + t * g.DilationW];
                }
            }
        }
    }
}
