using System.Numerics.Tensors;

namespace Pare.Core.Kernels.Conv;

/// <summary>Unfolds one image group into the patch matrix a GEMM multiplies (im2col), and folds a patch
/// gradient back onto the image (col2im). Row r = (c·kH + kh)·kW + kw of the matrix holds, for every output
/// position (oy, ox) in row-major order, the input value that tap (c, kh, kw) sees there, or 0 in padding.</summary>
public static class Im2Col
{
    /// <summary>col = im2col(x) for one image and one group.</summary>
    /// <param name="g">geometry (only the per-group sizes are used)</param>
    /// <param name="x">(C_in/groups, H, W) of one image</param>
    /// <param name="col">(C_in/groups · kH · kW, OutH · OutW), fully overwritten</param>
    public static void Unfold(in ConvGeometry g, ReadOnlySpan<float> x, Span<float> col) =>
        Unfold(g, x, col, g.OutHeight * g.OutWidth);

    /// <summary>col = im2col(x) for one image and one group, written as a column block of a wider matrix: row r
    /// of the patch matrix starts at col[r·ld], so several images can sit side by side in one GEMM operand.</summary>
    /// <param name="g">geometry</param>
    /// <param name="x">(C_in/groups, H, W) of one image</param>
    /// <param name="col">(C_in/groups · kH · kW) rows of OutH · OutW values at stride <paramref name="ld"/></param>
    /// <param name="ld">row stride of <paramref name="col"/> (≥ OutH · OutW)</param>
    internal static void Unfold(in ConvGeometry g, ReadOnlySpan<float> x, Span<float> col, int ld) =>
        Unfold(g, x, col, ld, 0, g.OutHeight);

    /// <summary>im2col of the output rows [oy0, oy1) only (a band of the image, so a large image's patch matrix
    /// can be built and multiplied a piece at a time while it sits in cache).</summary>
    /// <param name="g">geometry</param>
    /// <param name="x">(C_in/groups, H, W) of one image</param>
    /// <param name="col">(C_in/groups · kH · kW) rows of (oy1 − oy0) · OutW values at stride <paramref name="ld"/></param>
    /// <param name="ld">row stride of <paramref name="col"/></param>
    /// <param name="oy0">first output row</param>
    /// <param name="oy1">end of the output rows</param>
    internal static void Unfold(in ConvGeometry g, ReadOnlySpan<float> x, Span<float> col, int ld, int oy0, int oy1)
    {
        int ow = g.OutWidth, plane = (oy1 - oy0) * ow, h = g.InHeight, w = g.InWidth;
        int row = 0;
        for (int c = 0; c < g.GroupInChannels; c++)
        {
            var xc = x.Slice(c * h * w, h * w);
            for (int kh = 0; kh < g.KernelH; kh++)
            {
                for (int kw = 0; kw < g.KernelW; kw++, row++)
                {
                    var dst = col.Slice(row * ld, plane);
                    int ix0 = kw * g.DilationW - g.PadLeft;
                    ValidRange(ix0, g.StrideW, w, ow, out int lo, out int hi);
                    for (int oy = oy0; oy < oy1; oy++)
                    {
                        var d = dst.Slice((oy - oy0) * ow, ow);
                        int iy = oy * g.StrideH - g.PadTop + kh * g.DilationH;
                        if ((uint)iy >= (uint)h)
                        {
                            d.Clear();
                            continue;
                        }
                        var src = xc.Slice(iy * w, w);
                        d[..lo].Clear();
                        d[hi..].Clear();
                        if (g.StrideW == 1)
                        {
                            src.Slice(lo + ix0, hi - lo).CopyTo(d[lo..hi]);
                        }
                        else
                        {
                            for (int ox = lo, ix = lo * g.StrideW + ix0; ox < hi; ox++, ix += g.StrideW) d[ox] = src[ix];
                        }
                    }
                }
            }
        }
    }

    /// <summary>x += col2im(col) for one image and one group: every patch entry is added back onto the input
    /// position it was read from (padding entries are dropped).</summary>
    /// <param name="g">geometry</param>
    /// <param name="col">(C_in/groups · kH · kW, OutH · OutW)</param>
    /// <param name="x">(C_in/groups, H, W) of one image, accumulated into</param>
    public static void Fold(in ConvGeometry g, ReadOnlySpan<float> col, Span<float> x) =>
        Fold(g, col, g.OutHeight * g.OutWidth, x);

    /// <summary>x += col2im(col) for one image whose patch rows start at col[r·ld] (a column block of a wider matrix).</summary>
    /// <param name="g">geometry</param>
    /// <param name="col">(C_in/groups · kH · kW) rows of OutH · OutW values at stride <paramref name="ld"/></param>
    /// <param name="ld">row stride of <paramref name="col"/> (≥ OutH · OutW)</param>
    /// <param name="x">(C_in/groups, H, W) of one image, accumulated into</param>
    internal static void Fold(in ConvGeometry g, ReadOnlySpan<float> col, int ld, Span<float> x)
    {
        int oh = g.OutHeight, ow = g.OutWidth, plane = oh * ow, h = g.InHeight, w = g.InWidth;
        int row = 0;
        for (int c = 0; c < g.GroupInChannels; c++)
        {
            var xc = x.Slice(c * h * w, h * w);
            for (int kh = 0; kh < g.KernelH; kh++)
            {
                for (int kw = 0; kw < g.KernelW; kw++, row++)
                {
                    var src = col.Slice(row * ld, plane);
                    int ix0 = kw * g.DilationW - g.PadLeft;
                    ValidRange(ix0, g.StrideW, w, ow, out int lo, out int hi);
                    if (hi <= lo) continue;
                    for (int oy = 0; oy < oh; oy++)
                    {
                        int iy = oy * g.StrideH - g.PadTop + kh * g.DilationH;
                        if ((uint)iy >= (uint)h) continue;
                        var s = src.Slice(oy * ow, ow);
                        var d = xc.Slice(iy * w, w);
                        if (g.StrideW == 1)
                        {
                            var dseg = d.Slice(lo + ix0, hi - lo);
                            TensorPrimitives.Add(dseg, s[lo..hi], dseg);
                        }
                        else
                        {
                            for (int ox = lo, ix = lo * g.StrideW + ix0; ox < hi; ox++, ix += g.StrideW) d[ix] += s[ox];
                        }
                    }
                }
            }
        }
    }

    /// <summary>The output columns [lo, hi) whose input column ox·stride + offset lies in [0, size);
    /// lo = hi when there are none.</summary>
    internal static void ValidRange(int offset, int stride, int size, int outCount, out int lo, out int hi)
    {
        lo = offset >= 0 ? 0 : (-offset + stride - 1) / stride;
        hi = size - offset <= 0 ? 0 : (size - offset + stride - 1) / stride;
        lo = Math.Min(lo, outCount);
        hi = Math.Clamp(hi, lo, outCount);
    }
}
