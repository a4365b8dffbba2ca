using System.Numerics;
using System.Numerics.Tensors;
using System.Runtime.Intrinsics;
using Pare.Core.Threading;

namespace Pare.Core.Kernels.Conv;

/// <summary>Direct depthwise convolution (groups = C_in, C_out = C_in · multiplier), where a GEMM per group would
/// be a 1-row matrix product. Forward: each input plane is zero-padded into scratch once, then every output
/// vector accumulates all taps in a register (larger horizontal strides de-interleave the padded row into phases
/// first, so they vectorize too). The stride-1
/// input gradient is the same kernel on the zero-embedded dy with the flipped filter; the weight gradient keeps
/// one vector accumulator per tap (horizontal stride 1); other strides go a tap at a time over the in-bounds
/// columns of each row (vectorized axpy / dot, or scalar). Planes are
/// independent and the weight gradient sums the batch in order, so results do not depend on the thread count.
/// Scalar twin: <see cref="Conv2dReference"/>.</summary>
public static unsafe partial class DepthwiseConv2d
{
    /// <summary>y = depthwise_conv(x, w) + bias. Each plane is first copied into a zero-padded scratch plane, so
    /// that every tap reads in bounds and the stride-1 inner loop is branch-free: a vector of outputs is kept in a
    /// register while all kH·kW taps are accumulated into it with FMA, then stored once.</summary>
    /// <param name="g">geometry with Groups = C_in</param>
    /// <param name="x">(N, C_in, H, W)</param>
    /// <param name="w">(C_out, 1, kH, kW)</param>
    /// <param name="bias">(C_out) or empty</param>
    /// <param name="y">(N, C_out, OutH, OutW), overwritten</param>
    public static void Forward(in ConvGeometry g, ReadOnlySpan<float> x, ReadOnlySpan<float> w, ReadOnlySpan<float> bias, Span<float> y) =>
        Forward(g, x, w, bias, default, ConvOutputStage.None, y);

    /// <summary>As <see cref="Forward(in ConvGeometry, ReadOnlySpan{float}, ReadOnlySpan{float}, ReadOnlySpan{float}, Span{float})"/>,
    /// then the residual and the stage on each output plane by the task that computed it (the bias is already in the
    /// sums: the accumulators start from it).</summary>
    /// <param name="g">geometry with Groups = C_in</param>
    /// <param name="x">(N, C_in, H, W)</param>
    /// <param name="w">(C_out, 1, kH, kW)</param>
    /// <param name="bias">(C_out) or empty</param>
    /// <param name="residual">(N, C_out, OutH, OutW) or empty</param>
    /// <param name="stage">what follows the bias</param>
    /// <param name="y">(N, C_out, OutH, OutW), overwritten</param>
    public static void Forward(in ConvGeometry g, ReadOnlySpan<float> x, ReadOnlySpan<float> w, ReadOnlySpan<float> bias,
        ReadOnlySpan<float> residual, ConvOutputStage stage, Span<float> y)
    {
        ArgumentNullException.ThrowIfNull(stage);
        Conv2dKernel.CheckSizes(g, x.Length, w.Length, y.Length);
        if (g.InChannels != g.Groups) throw new ArgumentException($"depthwise convolution needs groups = C_in, geometry {g}");
        if (y.IsEmpty) return;
        var geo = g;
        int inPlane = g.InHeight * g.InWidth, outPlane = g.OutHeight * g.OutWidth, taps = g.KernelH * g.KernelW, mult = g.GroupOutChannels;
        int paddedPlane = (g.InHeight + g.PadTop + g.PadBottom) * PaddedRowStride(g);
        bool hasBias = !bias.IsEmpty, finish = !residual.IsEmpty || !stage.IsNone;
        fixed (float* px0 = x, pw0 = w, pb0 = bias, py0 = y, pz0 = residual)
        {
            float* px = px0, pw = pw0, pb = pb0, py = py0, pz = pz0;
            // Tasks of a few input planes each: all of a task's planes are padded first, then convolved (each padded
            // copy serves the `mult` output planes that read it). Reading a plane right after writing it stalled the
            // unaligned vector loads on the copy's pending stores (store-to-load forwarding fails for a load that spans
            // several stores): on PaddleOCR cls's 2-row planes that cost more than the taps themselves.
            int planes = g.N * g.InChannels, perTask = Math.Clamp(PadBatchFloats / Math.Max(paddedPlane, 1), 1, PadBatchPlanes);
            var tapOffsets = new int[taps];
            TapOffsets(geo, tapOffsets);
            // every weight finite (the usual case): the planes need not check theirs
            bool finiteWeights = TensorPrimitives.IsFiniteAll(new ReadOnlySpan<float>(pw, g.OutChannels * taps));
            bool stageAfter = finish && outPlane <= StagePlaneFloats;
            Parallelism.For((planes + perTask - 1) / perTask, task =>
            {
                int p0 = task * perTask, p1 = Math.Min(planes, p0 + perTask);
                float[] padded = System.Buffers.ArrayPool<float>.Shared.Rent((p1 - p0) * paddedPlane);
                try
                {
                    // one clear for the task's planes, then only their rows are written (the zeros stay where they are)
                    padded.AsSpan(0, (p1 - p0) * paddedPlane).Clear();
                    for (int p = p0; p < p1; p++)
                        Pad(geo, new ReadOnlySpan<float>(px + (long)p * inPlane, inPlane), padded.AsSpan((p - p0) * paddedPlane, paddedPlane), cleared: true);
                    for (int p = p0; p < p1; p++)
                    {
                        int c = p % geo.InChannels;
                        var pp = new ReadOnlySpan<float>(padded, (p - p0) * paddedPlane, paddedPlane);
                        for (int j = 0; j < mult; j++)
                        {
                            int k = c * mult + j;
                            long offset = ((long)p * mult + j) * outPlane;
                            var yp = new Span<float>(py + offset, outPlane);
                            PlaneForward(geo, pp, new ReadOnlySpan<float>(pw + (long)k * taps, taps), hasBias ? pb[k] : 0f, yp,
                                stage: finish && !stageAfter ? stage : null, z: pz == null ? null : pz + offset, skipPaddingRows: true,
                                tapOffsets: tapOffsets, finiteWeights: finiteWeights);
                        }
                    }
                    // small planes: the stage once over the task's output planes (contiguous, still in L1; the bias is in
                    // the sums already), not once per plane, whose setup cost more than its 192 values on PaddleOCR cls
                    if (stageAfter)
                    {
                        long first = (long)p0 * mult * outPlane;
                        stage.ApplyRow(py + first, (p1 - p0) * mult * outPlane, false, 0f, pz == null ? null : pz + first);
                    }
                }
                finally
                {
                    System.Buffers.ArrayPool<float>.Shared.Return(padded);
                }
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
            if (g.StrideH == 1 && g.StrideW == 1)
            {
                BackwardInputStride1(geo, pdy, pw, pdx);
                return;
            }
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
            if (g.StrideW == 1 && taps <= MaxVectorTaps)
            {
                BackwardWeightStride1(geo, px, pdy, pdw);
                return;
            }
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

    // Stride 1: dx[iy, ix] = Σ w[kh, kw] · dy[iy + padTop − kh·dH, ix + padLeft − kw·dW], a correlation of dy with the
    // flipped kernel. dy is placed into a zero plane of (H + (kH−1)·dH, W + (kW−1)·dW) at row offset (kH−1)·dH − padTop
    // (rows/columns landing outside are never read by any dx element), and the forward's register-accumulating
    // plane kernel runs on it with no padding and output (H, W).
    private static void BackwardInputStride1(in ConvGeometry g, float* pdy, float* pw, float* pdx)
    {
        var geo = g;
        int taps = g.KernelH * g.KernelW, mult = g.GroupOutChannels, inPlane = g.InHeight * g.InWidth, outPlane = g.OutHeight * g.OutWidth;
        int ph = g.InHeight + (g.KernelH - 1) * g.DilationH, pwd = g.InWidth + (g.KernelW - 1) * g.DilationW;
        int rowOff = (g.KernelH - 1) * g.DilationH - g.PadTop, colOff = (g.KernelW - 1) * g.DilationW - g.PadLeft;
        var flipped = new ConvGeometry(1, 1, ph, pwd, 1, g.KernelH, g.KernelW, DilationH: g.DilationH, DilationW: g.DilationW);
        Im2Col.ValidRange(colOff, 1, pwd, g.OutWidth, out int lo, out int hi);
        Parallelism.For(g.N * g.InChannels, p =>
        {
            int c = p % geo.InChannels, n = p / geo.InChannels;
            float[] padded = System.Buffers.ArrayPool<float>.Shared.Rent(ph * pwd + taps);
            try
            {
                var plane = padded.AsSpan(0, ph * pwd);
                var wf = padded.AsSpan(ph * pwd, taps);
                plane.Clear();
                var dxp = new Span<float>(pdx + (long)p * inPlane, inPlane);
                for (int j = 0; j < mult; j++)
                {
                    int k = c * mult + j;
                    var dyp = new ReadOnlySpan<float>(pdy + ((long)n * geo.OutChannels + k) * outPlane, outPlane);
                    for (int oy = 0; oy < geo.OutHeight; oy++)
                    {
                        int r = oy + rowOff;
                        if ((uint)r >= (uint)ph || hi <= lo) continue;
                        dyp.Slice(oy * geo.OutWidth + lo, hi - lo).CopyTo(plane.Slice(r * pwd + lo + colOff, hi - lo));
                    }
                    for (int t = 0; t < taps; t++) wf[t] = pw[(long)k * taps + taps - 1 - t];
                    PlaneForward(flipped, plane, wf, 0f, dxp, accumulate: j > 0);
                }
            }
            finally
            {
                System.Buffers.ArrayPool<float>.Shared.Return(padded);
            }
        });
    }

    /// <summary>Largest output plane (floats, 8 KB) whose stage runs once per plane instead of once per row.</summary>
    private const int StagePlaneFloats = 2048;

    /// <summary>Most padded floats (64 KB) and planes per forward task: small planes are padded in batches.</summary>
    private const int PadBatchFloats = 16384, PadBatchPlanes = 16;

    /// <summary>Most taps whose vector accumulators the stride-1 weight gradient keeps on the stack.</summary>
    private const int MaxVectorTaps = 128;

    // Horizontal stride 1: per output channel, one vector accumulator per tap; each dy vector is loaded once and
    // multiplied into every tap's shifted view of the zero-padded x row (padding adds 0·dy). Lanes are summed at
    // the end, tail columns go to scalar accumulators; the batch and rows run in order, so the result is fixed.
    private static void BackwardWeightStride1(in ConvGeometry g, float* px, float* pdy, float* pdw)
    {
        var geo = g;
        int taps = g.KernelH * g.KernelW, mult = g.GroupOutChannels, inPlane = g.InHeight * g.InWidth, outPlane = g.OutHeight * g.OutWidth;
        int pw = g.InWidth + g.PadLeft + g.PadRight, paddedPlane = (g.InHeight + g.PadTop + g.PadBottom) * pw;
        Parallelism.For(g.OutChannels, k =>
        {
            int kh = geo.KernelH, kw = geo.KernelW, ow = geo.OutWidth, dh = geo.DilationH, dwl = geo.DilationW, v = Vector<float>.Count;
            Span<Vector<float>> acc = stackalloc Vector<float>[taps];
            Span<float> tail = stackalloc float[taps];
            acc.Clear();
            tail.Clear();
            float[] padded = System.Buffers.ArrayPool<float>.Shared.Rent(paddedPlane);
            try
            {
                for (int n = 0; n < geo.N; n++)
                {
                    Pad(geo, new ReadOnlySpan<float>(px + ((long)n * geo.InChannels + k / mult) * inPlane, inPlane), padded);
                    fixed (float* pp = padded)
                    {
                        float* dyp = pdy + ((long)n * geo.OutChannels + k) * outPlane;
                        for (int oy = 0; oy < geo.OutHeight; oy++)
                        {
                            float* dyr = dyp + oy * ow;
                            float* rowBase = pp + oy * geo.StrideH * pw;
                            int ox = 0;
                            for (; ox <= ow - v; ox += v)
                            {
                                var d = Vector.Load(dyr + ox);
                                for (int a = 0; a < kh; a++)
                                {
                                    float* r = rowBase + a * dh * pw + ox;
                                    for (int b = 0; b < kw; b++) acc[a * kw + b] = Vector.FusedMultiplyAdd(d, Vector.Load(r + b * dwl), acc[a * kw + b]);
                                }
                            }
                            for (; ox < ow; ox++)
                            {
                                for (int a = 0; a < kh; a++)
                                {
                                    float* r = rowBase + a * dh * pw + ox;
                                    for (int b = 0; b < kw; b++) tail[a * kw + b] = MathF.FusedMultiplyAdd(dyr[ox], r[b * dwl], tail[a * kw + b]);
                                }
                            }
                        }
                    }
                }
                for (int t = 0; t < taps; t++) pdw[(long)k * taps + t] = Vector.Sum(acc[t]) + tail[t];
            }
            finally
            {
                System.Buffers.ArrayPool<float>.Shared.Return(padded);
            }
        });
    }

    // Floats per row of the padded scratch plane: the padded width, rounded up to a multiple of the horizontal stride.
    private static int PaddedRowStride(in ConvGeometry g)
    {
        int pw = g.InWidth + g.PadLeft + g.PadRight;
        return (pw + g.StrideW - 1) / g.StrideW * g.StrideW;
    }

    // padded (H + padTop + padBottom, W + padLeft + padRight) = x surrounded by zeros. For horizontal stride s > 1
    // each row is stored de-interleaved into s phases: padded column c goes to phase c mod s, slot c / s. Output
    // column ox of tap kw then reads phase (kw·dW) mod s at slot ox + (kw·dW) / s — consecutive outputs read
    // consecutive slots, so the strided convolution becomes a unit-stride one that vectorizes like stride 1.
    // (cleared: padded holds zeros already, only x's values are written)
    private static void Pad(in ConvGeometry g, ReadOnlySpan<float> x, Span<float> padded, bool cleared = false)
    {
        int pw = g.InWidth + g.PadLeft + g.PadRight, ph = g.InHeight + g.PadTop + g.PadBottom, s = g.StrideW, stride = PaddedRowStride(g);
        if (s == 1 && cleared)
        {
            for (int iy = 0; iy < g.InHeight; iy++) x.Slice(iy * g.InWidth, g.InWidth).CopyTo(padded[((g.PadTop + iy) * pw + g.PadLeft)..]);
            return;
        }
        if (s == 1)
        {
            padded[..(g.PadTop * pw)].Clear();
            for (int iy = 0; iy < g.InHeight; iy++)
            {
                var row = padded.Slice((g.PadTop + iy) * pw, pw);
                row[..g.PadLeft].Clear();
                x.Slice(iy * g.InWidth, g.InWidth).CopyTo(row[g.PadLeft..]);
                row[(g.PadLeft + g.InWidth)..].Clear();
            }
            padded[((g.PadTop + g.InHeight) * pw)..(ph * pw)].Clear();
            return;
        }
        int phaseWidth = stride / s;
        if (!cleared) padded[..(ph * stride)].Clear();
        for (int iy = 0; iy < g.InHeight; iy++)
        {
            var src = x.Slice(iy * g.InWidth, g.InWidth);
            var row = padded.Slice((g.PadTop + iy) * stride, stride);
            for (int r = 0; r < s; r++)
            {
                // Slots j of phase r hold padded column j·s + r, i.e. input column j·s + r − padLeft.
                var phase = row.Slice(r * phaseWidth, phaseWidth);
                int j = g.PadLeft > r ? (g.PadLeft - r + s - 1) / s : 0;
                int ix0 = j * s + r - g.PadLeft;
                if (s == 2 && ix0 < src.Length)
                {
                    fixed (float* ps = src, pd = phase) Im2ColPanels.GatherStride2(ps + ix0, (src.Length - ix0 + 1) / 2, pd + j);
                    continue;
                }
                for (int ix = ix0; ix < src.Length; j++, ix += s) phase[j] = src[ix];
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
