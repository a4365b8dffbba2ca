using System.Buffers;
using System.Numerics.Tensors;

namespace Pare.Core.Kernels.Conv;

/// <summary>Forward 2-D (and 1-D, H = 1) convolution whose output plane has only a few positions, as in batch-1
/// audio models (silero VAD's STFT and encoder convs have 1–4 output positions). The im2col GEMM would pack all the
/// weights for a product only a few columns wide and compute 16- or 32-column tiles; here the patch matrix is laid
/// out with rows of 4 or 8 lanes and <see cref="Gemm.Gemm.SgemmNarrowN"/> streams the weights once, as stored,
/// summing every output in the same order as the im2col GEMM (bit-identical results). Scalar twin:
/// <see cref="Conv2dReference"/>.</summary>
public static class SmallPlaneConv
{
    /// <summary>Largest output plane (OutH·OutW) this kernel takes (<see cref="Gemm.Gemm.NarrowMaxN"/>).</summary>
    public const int MaxPlane = Gemm.Gemm.NarrowMaxN;

    /// <summary>True when <paramref name="g"/> has a small output plane and is neither depthwise (which has its own
    /// kernel) nor pointwise (whose input already is the patch matrix, multiplied without a copy).</summary>
    /// <param name="g">geometry (valid)</param>
    public static bool Fits(in ConvGeometry g) =>
        !g.IsDepthwise && !g.IsPointwise && g.OutHeight * g.OutWidth is > 0 and <= MaxPlane && g.PatchSize > 0;

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
        int plane = g.OutHeight * g.OutWidth, patch = g.PatchSize, kg = g.GroupOutChannels, width = Gemm.Gemm.NarrowWidth(plane);
        int inImage = g.InChannels * g.InHeight * g.InWidth, inGroup = g.GroupInChannels * g.InHeight * g.InWidth;
        var rented = ArrayPool<float>.Shared.Rent(width * patch);
        try
        {
            var cols = rented.AsSpan(0, width * patch);
            for (int n = 0; n < g.N; n++)
            {
                for (int grp = 0; grp < g.Groups; grp++)
                {
                    Unfold(g, x.Slice(n * inImage + grp * inGroup, inGroup), cols, width);
                    var yg = y.Slice((n * g.OutChannels + grp * kg) * plane, kg * plane);
                    Gemm.Gemm.SgemmNarrowN(kg, plane, patch, w.Slice(grp * kg * patch, kg * patch), patch, cols, width, yg, plane);
                    if (!bias.IsEmpty)
                        for (int k = 0; k < kg; k++) TensorPrimitives.Add(yg.Slice(k * plane, plane), bias[grp * kg + k], yg.Slice(k * plane, plane));
                }
            }
        }
        finally
        {
            ArrayPool<float>.Shared.Return(rented);
        }
    }

    /// <summary>The im2col matrix of one image and group with rows <paramref name="width"/> lanes wide: row p (patch
    /// index (c, kh, kw) in weight order) holds that tap at every output position j = oy·OutW + ox, zeros where the
    /// window overhangs the padding and in the lanes past the plane.</summary>
    /// <param name="g">geometry</param>
    /// <param name="x">(C_in/groups, H, W) of the group</param>
    /// <param name="cols">(patch, width), overwritten</param>
    /// <param name="width">row width (≥ OutH·OutW)</param>
    internal static void Unfold(in ConvGeometry g, ReadOnlySpan<float> x, Span<float> cols, int width)
    {
        int oh = g.OutHeight, ow = g.OutWidth, kh = g.KernelH, kw = g.KernelW, h = g.InHeight, wd = g.InWidth, cg = g.GroupInChannels;
        cols.Clear();
        for (int oy = 0; oy < oh; oy++)
        for (int ox = 0; ox < ow; ox++)
        {
            int j = oy * ow + ox, ix0 = ox * g.StrideW - g.PadLeft;
            for (int c = 0; c < cg; c++)
            for (int ky = 0; ky < kh; ky++)
            {
                int iy = oy * g.StrideH - g.PadTop + ky * g.DilationH;
                if (iy < 0 || iy >= h) continue;
                var src = x.Slice((c * h + iy) * wd, wd);
                int row = (c * kh + ky) * kw;
                for (int t = 0; t < kw; t++)
                {
                    int ix = ix0 + t * g.DilationW;
                    if ((uint)ix < (uint)wd) cols[(row + t) * width + j] = src[ix];
                }
            }
        }
    }
}
