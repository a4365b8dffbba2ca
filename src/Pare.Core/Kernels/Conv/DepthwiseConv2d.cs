using System.Numerics.Tensors;
using Pare.Core.Threading;

namespace Pare.Core.Kernels.Conv;

/// <summary>Direct depthwise convolution (groups = C_in, C_out = C_in · multiplier), where a GEMM per group would
/// be a 1-row matrix product. Each output row is built tap by tap: for stride 1 a tap is a vectorized
/// y_row[lo..hi) += w · x_row[lo+off..hi+off) over the columns whose input lies inside the image, so padding
/// costs nothing; larger strides use a scalar gather. Planes are independent, so any split is deterministic.
/// Scalar twin: <see cref="Conv2dReference"/>.</summary>
public static unsafe class DepthwiseConv2d
{
    /// <summary>y = depthwise_conv(x, w) + bias.</summary>
    /// <param name="g">geometry with Groups = C_in</param>
    /// <param name="x">(N, C_in, H, W)</param>
    /// <param name="w">(C_out, 1, kH, kW)</param>
    /// <param name="bias">(C_out) or empty</param>
    /// <param name="y">(N, C_out, OutH, OutW), overwritten</param>
    public static void Forward(in ConvGeometry g, ReadOnlySpan<float> x, ReadOnlySpan<float> w, ReadOnlySpan<float> bias, Span<float> y)
    {
        Conv2dKernel.CheckSizes(g, x.Length, w.Length, y.Length);
        if (g.InChannels != g.Groups) throw new ArgumentException($"depthwise convolution needs groups = C_in, geometry {g}");
        if (y.IsEmpty) return;
        var geo = g;
        int inPlane = g.InHeight * g.InWidth, outPlane = g.OutHeight * g.OutWidth, taps = g.KernelH * g.KernelW, mult = g.GroupOutChannels;
        bool hasBias = !bias.IsEmpty;
        fixed (float* px0 = x, pw0 = w, pb0 = bias, py0 = y)
        {
            float* px = px0, pw = pw0, pb = pb0, py = py0;
            Parallelism.For(g.N * g.OutChannels, p =>
            {
                int k = p % geo.OutChannels, n = p / geo.OutChannels;
                var xp = new ReadOnlySpan<float>(px + ((long)n * geo.InChannels + k / mult) * inPlane, inPlane);
                var yp = new Span<float>(py + (long)p * outPlane, outPlane);
                yp.Fill(hasBias ? pb[k] : 0f);
                PlaneForward(geo, xp, new ReadOnlySpan<float>(pw + (long)k * taps, taps), yp);
            });
        }
    }

    /// <summary>dx given dy: every input plane gathers the taps of its multiplier output planes.</summary>
    /// <param name="g">geometry with Groups = C_in</param>
    /// <param name="dy">(N, C_out, OutH, OutW)</param>
    /// <param name="w">(C_out, 1, kH, kW)</param>
    /// <param name="dx">(N, C_in, H, W), overwritten</param>
    public static void BackwardInput(in ConvGeometry g, ReadOnlySpan<float> dy, ReadOnlySpan<float> w, Span<float> dx)
    {
        Conv2dKernel.CheckSizes(g, dx.Length, w.Length, dy.Length);
        if (dx.IsEmpty) return;
        var geo = g;
        int inPlane = g.InHeight * g.InWidth, outPlane = g.OutHeight * g.OutWidth, taps = g.KernelH * g.KernelW, mult = g.GroupOutChannels;
        fixed (float* pdy0 = dy, pw0 = w, pdx0 = dx)
        {
            float* pdy = pdy0, pw = pw0, pdx = pdx0;
            Parallelism.For(g.N * g.InChannels, p =>
            {
                int c = p % geo.InChannels, n = p / geo.InChannels;
                var dxp = new Span<float>(pdx + (long)p * inPlane, inPlane);
                dxp.Clear();
                for (int j = 0; j < mult; j++)
                {
                    int k = c * mult + j;
                    PlaneBackwardInput(geo, new ReadOnlySpan<float>(pdy + ((long)n * geo.OutChannels + k) * outPlane, outPlane),
                        new ReadOnlySpan<float>(pw + (long)k * taps, taps), dxp);
                }
            });
        }
    }

    /// <summary>dw given x and dy: parallel over output channels, each summing the batch in order.</summary>
    /// <param name="g">geometry with Groups = C_in</param>
    /// <param name="x">(N, C_in, H, W)</param>
    /// <param name="dy">(N, C_out, OutH, OutW)</param>
    /// <param name="dw">(C_out, 1, kH, kW), overwritten</param>
    public static void BackwardWeight(in ConvGeometry g, ReadOnlySpan<float> x, ReadOnlySpan<float> dy, Span<float> dw)
    {
        Conv2dKernel.CheckSizes(g, x.Length, dw.Length, dy.Length);
        dw.Clear();
        if (dw.IsEmpty || dy.IsEmpty) return;
        var geo = g;
        int inPlane = g.InHeight * g.InWidth, outPlane = g.OutHeight * g.OutWidth, taps = g.KernelH * g.KernelW, mult = g.GroupOutChannels;
        fixed (float* px0 = x, pdy0 = dy, pdw0 = dw)
        {
            float* px = px0, pdy = pdy0, pdw = pdw0;
            Parallelism.For(g.OutChannels, k =>
            {
                var dwk = new Span<float>(pdw + (long)k * taps, taps);
                for (int n = 0; n < geo.N; n++)
                {
                    PlaneBackwardWeight(geo, new ReadOnlySpan<float>(px + ((long)n * geo.InChannels + k / mult) * inPlane, inPlane),
                        new ReadOnlySpan<float>(pdy + ((long)n * geo.OutChannels + k) * outPlane, outPlane), dwk);
                }
            });
        }
    }

    // y (OutH, OutW) += Σ_taps w[kh, kw] · x shifted; x (H, W).
    private static void PlaneForward(in ConvGeometry g, ReadOnlySpan<float> x, ReadOnlySpan<float> w, Span<float> y)
    {
        int oh = g.OutHeight, ow = g.OutWidth, h = g.InHeight, wd = g.InWidth, sw = g.StrideW;
        for (int kw = 0; kw < g.KernelW; kw++)
        {
            int ix0 = kw * g.DilationW - g.PadLeft;
            Im2Col.ValidRange(ix0, sw, wd, ow, out int lo, out int hi);
            if (hi <= lo) continue;
            for (int oy = 0; oy < oh; oy++)
            {
                var yr = y.Slice(oy * ow, ow);
                for (int kh = 0; kh < g.KernelH; kh++)
                {
                    int iy = oy * g.StrideH - g.PadTop + kh * g.DilationH;
                    if ((uint)iy >= (uint)h) continue;
                    float wv = w[kh * g.KernelW + kw];
                    var xr = x.Slice(iy * wd, wd);
                    if (sw == 1)
                    {
                        var ys = yr[lo..hi];
                        TensorPrimitives.MultiplyAdd(xr.Slice(lo + ix0, hi - lo), wv, ys, ys);
                    }
                    else
                    {
                        for (int ox = lo, ix = lo * sw + ix0; ox < hi; ox++, ix += sw) yr[ox] += wv * xr[ix];
                    }
                }
            }
        }
    }

    // dx (H, W) += Σ_taps w[kh, kw] · dy scattered back.
    private static void PlaneBackwardInput(in ConvGeometry g, ReadOnlySpan<float> dy, ReadOnlySpan<float> w, Span<float> dx)
    {
        int oh = g.OutHeight, ow = g.OutWidth, h = g.InHeight, wd = g.InWidth, sw = g.StrideW;
        for (int kw = 0; kw < g.KernelW; kw++)
        {
            int ix0 = kw * g.DilationW - g.PadLeft;
            Im2Col.ValidRange(ix0, sw, wd, ow, out int lo, out int hi);
            if (hi <= lo) continue;
            for (int oy = 0; oy < oh; oy++)
            {
                var dyr = dy.Slice(oy * ow, ow);
                for (int kh = 0; kh < g.KernelH; kh++)
                {
                    int iy = oy * g.StrideH - g.PadTop + kh * g.DilationH;
                    if ((uint)iy >= (uint)h) continue;
                    float wv = w[kh * g.KernelW + kw];
                    var dxr = dx.Slice(iy * wd, wd);
                    if (sw == 1)
                    {
                        var ds = dxr.Slice(lo + ix0, hi - lo);
                        TensorPrimitives.MultiplyAdd(dyr[lo..hi], wv, ds, ds);
                    }
                    else
                    {
                        for (int ox = lo, ix = lo * sw + ix0; ox < hi; ox++, ix += sw) dxr[ix] += wv * dyr[ox];
                    }
                }
            }
        }
    }

    // dw (kH, kW) += Σ_positions dy · x shifted (a dot product per tap and output row).
    private static void PlaneBackwardWeight(in ConvGeometry g, ReadOnlySpan<float> x, ReadOnlySpan<float> dy, Span<float> dw)
    {
        int oh = g.OutHeight, ow = g.OutWidth, h = g.InHeight, wd = g.InWidth, sw = g.StrideW;
        for (int kh = 0; kh < g.KernelH; kh++)
        {
            for (int kw = 0; kw < g.KernelW; kw++)
            {
                int ix0 = kw * g.DilationW - g.PadLeft;
                Im2Col.ValidRange(ix0, sw, wd, ow, out int lo, out int hi);
                if (hi <= lo) continue;
                float sum = 0;
                for (int oy = 0; oy < oh; oy++)
                {
                    int iy = oy * g.StrideH - g.PadTop + kh * g.DilationH;
                    if ((uint)iy >= (uint)h) continue;
                    var xr = x.Slice(iy * wd, wd);
                    var dyr = dy.Slice(oy * ow, ow);
                    if (sw == 1)
                    {
                        sum += TensorPrimitives.Dot(dyr[lo..hi], xr.Slice(lo + ix0, hi - lo));
                    }
                    else
                    {
                        for (int ox = lo, ix = lo * sw + ix0; ox < hi; ox++, ix += sw) sum += dyr[ox] * xr[ix];
                    }
                }
                dw[kh * g.KernelW + kw] += sum;
            }
        }
    }
}
