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
        bool shifted = IsShifted(g);
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
                    if (shifted)
                    {
                        UnfoldShifted(xc, dst, kh * g.DilationH - g.PadTop, ix0, lo, hi, ow, h, oy0, oy1);
                        continue;
                    }
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

    /// <summary>Stride 1 with OutW = W (e.g. 3×3, pad 1): output position p = oy·W + ox of tap (iy0, ix0) reads
    /// input index p + iy0·W + ix0, so a tap row is one shifted copy of the plane; the positions whose row or
    /// column lies in the padding are zeroed afterwards.</summary>
    internal static bool IsShifted(in ConvGeometry g) => g.StrideH == 1 && g.StrideW == 1 && g.OutWidth == g.InWidth;

    // one tap row of output rows [oy0, oy1) by the shifted copy (see IsShifted); [lo, hi) are the valid columns
    private static void UnfoldShifted(ReadOnlySpan<float> xc, Span<float> dst, int iy0, int ix0, int lo, int hi, int ow, int h, int oy0, int oy1)
    {
        ValidRange(iy0, 1, h, int.MaxValue, out int yLo, out int yHi);
        yLo = Math.Clamp(yLo, oy0, oy1);
        yHi = Math.Clamp(yHi, yLo, oy1);
        int start = oy0 * ow, a = yLo * ow, b = yHi * ow, shift = iy0 * ow + ix0;
        dst[..(a - start)].Clear();
        dst[(b - start)..].Clear();
        if (b <= a) return;
        // positions whose source index leaves the plane lie in padding columns: never read them
        int ca = Math.Clamp(-shift, a, b), cb = Math.Clamp(xc.Length - shift, ca, b);
        dst[(a - start)..(ca - start)].Clear();
        xc.Slice(ca + shift, cb - ca).CopyTo(dst[(ca - start)..]);
        dst[(cb - start)..(b - start)].Clear();
        if (lo == 0 && hi == ow) return;
        for (int oy = yLo; oy < yHi; oy++)
        {
            var d = dst.Slice(oy * ow - start, ow);
            for (int ox = 0; ox < lo; ox++) d[ox] = 0;
            for (int ox = hi; ox < ow; ox++) d[ox] = 0;
        }
    }

    /// <summary>x += col2im(col) like <see cref="Fold(in ConvGeometry, ReadOnlySpan{float}, int, Span{float})"/>, but
    /// free to overwrite col: in the shifted case (see <see cref="IsShifted"/>) it zeroes the padding columns of a tap
    /// row and then adds the row onto the plane in one shifted run.</summary>
    /// <param name="g">geometry</param>
    /// <param name="col">(C_in/groups · kH · kW) rows of OutH · OutW values at stride <paramref name="ld"/>; clobbered</param>
    /// <param name="ld">row stride of <paramref name="col"/></param>
    /// <param name="x">(C_in/groups, H, W) of one image, accumulated into</param>
    internal static void FoldInPlace(in ConvGeometry g, Span<float> col, int ld, Span<float> x)
    {
        if (!IsShifted(g))
        {
            Fold(g, col, ld, x);
            return;
        }
        int oh = g.OutHeight, ow = g.OutWidth, plane = oh * ow, h = g.InHeight, w = g.InWidth, hw = h * w;
        int row = 0;
        for (int c = 0; c < g.GroupInChannels; c++)
        {
            var xc = x.Slice(c * hw, hw);
            for (int kh = 0; kh < g.KernelH; kh++)
            {
                int iy0 = kh * g.DilationH - g.PadTop;
                ValidRange(iy0, 1, h, oh, out int yLo, out int yHi);
                for (int kw = 0; kw < g.KernelW; kw++, row++)
                {
                    int ix0 = kw * g.DilationW - g.PadLeft;
                    ValidRange(ix0, 1, w, ow, out int lo, out int hi);
                    if (yHi <= yLo || hi <= lo) continue;
                    var src = col.Slice(row * ld, plane);
                    if (lo > 0 || hi < ow)
                    {
                        for (int oy = yLo; oy < yHi; oy++)
                        {
                            var s = src.Slice(oy * ow, ow);
                            for (int ox = 0; ox < lo; ox++) s[ox] = 0;
                            for (int ox = hi; ox < ow; ox++) s[ox] = 0;
                        }
                    }
                    int a = yLo * ow, b = yHi * ow, shift = iy0 * w + ix0;
                    int ca = Math.Clamp(-shift, a, b), cb = Math.Clamp(hw - shift, ca, b);
                    var dseg = xc.Slice(ca + shift, cb - ca);
                    TensorPrimitives.Add(dseg, src[ca..cb], dseg);
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
