using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Pare.Core.Kernels.Conv;

// The register-accumulating plane kernel shared by the forward and the stride-1 input gradient.
public static unsafe partial class DepthwiseConv2d
{
    // y (OutH, OutW) = (accumulate ? y : bias) + Σ_taps w[kh, kw] · padded shifted, on the layout Pad writes. Tap
    // (a, b) of output (oy, ox) reads row oy·sH + a·dH at offset ((b·dW) mod sW)·phaseWidth + (b·dW) / sW + ox.
    // The largest column read, (OutW − 1)·sW + (kW − 1)·dW, is at most padded width − 1, so the last full vector of
    // every tap stays inside its phase; the tail is scalar with the same FMA order.
    // A stage (with residual z of y's layout, or null) finishes each output row as soon as it is computed, while in L1.
    private static void PlaneForward(in ConvGeometry g, ReadOnlySpan<float> padded, ReadOnlySpan<float> w, float bias, Span<float> y,
        bool accumulate = false, ConvOutputStage? stage = null, float* z = null, bool skipPaddingRows = false, int[]? tapOffsets = null, bool finiteWeights = false)
    {
        int oh = g.OutHeight, ow = g.OutWidth, taps = g.KernelH * g.KernelW, rowStride = PaddedRowStride(g);
        // the offsets depend on the geometry only: a caller running many planes computes them once
        Span<int> offsets = tapOffsets ?? (taps <= 256 ? stackalloc int[taps] : new int[taps]);
        if (tapOffsets is null) TapOffsets(g, offsets);
        // kernel rows that read only top or bottom padding add exact zeros when every weight is finite (an infinite or
        // NaN weight must still turn the padding into NaN): their taps are skipped (3 of 5 rows on PaddleOCR cls's
        // 2-row planes)
        bool skip = skipPaddingRows && (finiteWeights || TensorPrimitives.IsFiniteAll(w));
        fixed (float* pp = padded, pwt = w, py = y)
        fixed (int* off = offsets)
        {
            int oy0 = 0;
            if (Vector512.IsHardwareAccelerated && !accumulate && ow >= Vector512<float>.Count && ow < 64)
            {
                // rows narrower than the 64-output block (PaddleOCR's 17- and 34-column planes): four rows at a time,
                // one vector of each, so four independent FMA chains hide the FMA latency (one chain of kH·kW taps
                // waits ~4 cycles per tap). The last vector of a row ends at the row's end (overlapping, same values).
                long rowStep = (long)g.StrideH * rowStride;
                for (; oy0 + 4 <= oh; oy0 += 4)
                {
                    float* b0 = pp + oy0 * rowStep;
                    float* y0 = py + oy0 * ow;
                    TapRows(g, oy0, skip, out int lo0, out int hi0);
                    TapRows(g, oy0 + 3, skip, out int lo3, out int hi3);
                    int tLo = Math.Min(lo0, lo3), tHi = Math.Max(hi0, hi3);
                    for (int ox = 0; ox < ow; ox += Vector512<float>.Count)
                    {
                        int x = Math.Min(ox, ow - Vector512<float>.Count);
                        Four(b0 + x, rowStep, off, tLo, tHi, pwt, bias, y0 + x, ow);
                    }
                    if (stage is not null)
                        for (int r = 0; r < 4; r++) stage.ApplyRow(y0 + r * ow, ow, false, 0f, z == null ? null : z + (long)(oy0 + r) * ow);
                }
            }
            for (int oy = oy0; oy < oh; oy++)
            {
                float* rowBase = pp + oy * g.StrideH * rowStride;
                float* yr = py + oy * ow;
                TapRows(g, oy, skip, out int tLo, out int tHi);
                int ox = 0;
                if (Vector512.IsHardwareAccelerated)
                {
                    // four vectors (64 outputs) at once: each tap's weight broadcast and offset are loaded once for the
                    // four, so the loop issues ~1.25 loads per FMA instead of ~3 (the load ports, not the FMAs, bound
                    // the one-vector loop). Each output still sums its taps in the same order from the same start.
                    const int L = 16;
                    for (; ox <= ow - 4 * L; ox += 4 * L)
                    {
                        float* o = yr + ox;
                        if (accumulate) Four(rowBase + ox, L, off, tLo, tHi, pwt, o, L, o, L);
                        else Four(rowBase + ox, L, off, tLo, tHi, pwt, bias, o, L);
                    }
                    if (!accumulate && ow - ox > L && ow - ox <= 2 * L)
                    {
                        // the rest of the row (17-32 outputs, e.g. 96 = 64 + 32) as two vectors, the second ending at the
                        // row's end (overlapping, same values)
                        int x1 = ow - L;
                        Two(rowBase + ox, x1 - ox, off, tLo, tHi, pwt, bias, yr + ox);
                        ox = ow;
                    }
                    if (!accumulate && ow - ox > Vector512<float>.Count && ow >= 2 * Vector512<float>.Count)
                    {
                        // the rest of the row (33-63 outputs) as four vectors at once, the last one ending at the
                        // row's end (overlapping, same values): independent FMA chains instead of one after another
                        int x1 = Math.Min(ox + L, ow - L), x2 = Math.Min(ox + 2 * L, ow - L), x3 = ow - L;
                        FourAt(rowBase, ox, x1, x2, x3, off, tLo, tHi, pwt, bias, yr);
                        ox = ow;
                    }
                    for (; ox <= ow - Vector512<float>.Count; ox += Vector512<float>.Count)
                    {
                        var acc = accumulate ? Vector512.Load(yr + ox) : Vector512.Create(bias);
                        for (int t = tLo; t < tHi; t++) acc = Vector512.FusedMultiplyAdd(Vector512.Load(rowBase + off[t] + ox), Vector512.Create(pwt[t]), acc);
                        acc.Store(yr + ox);
                    }
                    // the last 1-15 outputs of a row (17 of 17, 2 of 34 in PaddleOCR's 5×5 layers) as one vector ending
                    // at the row's end: the outputs it recomputes get the same taps in the same order from the same
                    // start, so the same values, and no column goes through the scalar loop (16× slower per output)
                    if (!accumulate && ox < ow && ow >= Vector512<float>.Count)
                    {
                        ox = ow - Vector512<float>.Count;
                        var acc = Vector512.Create(bias);
                        for (int t = tLo; t < tHi; t++) acc = Vector512.FusedMultiplyAdd(Vector512.Load(rowBase + off[t] + ox), Vector512.Create(pwt[t]), acc);
                        acc.Store(yr + ox);
                        ox = ow;
                    }
                }
                if (Vector256.IsHardwareAccelerated)
                {
                    for (; ox <= ow - Vector256<float>.Count; ox += Vector256<float>.Count)
                    {
                        var acc = accumulate ? Vector256.Load(yr + ox) : Vector256.Create(bias);
                        for (int t = tLo; t < tHi; t++) acc = Vector256.FusedMultiplyAdd(Vector256.Load(rowBase + off[t] + ox), Vector256.Create(pwt[t]), acc);
                        acc.Store(yr + ox);
                    }
                    // as above: the last 1-7 outputs as one vector ending at the row's end
                    if (!accumulate && ox < ow && ow >= Vector256<float>.Count)
                    {
                        ox = ow - Vector256<float>.Count;
                        var acc = Vector256.Create(bias);
                        for (int t = tLo; t < tHi; t++) acc = Vector256.FusedMultiplyAdd(Vector256.Load(rowBase + off[t] + ox), Vector256.Create(pwt[t]), acc);
                        acc.Store(yr + ox);
                        ox = ow;
                    }
                }
                if (Vector128.IsHardwareAccelerated)
                {
                    for (; ox <= ow - Vector128<float>.Count; ox += Vector128<float>.Count)
                    {
                        var acc = accumulate ? Vector128.Load(yr + ox) : Vector128.Create(bias);
                        for (int t = tLo; t < tHi; t++) acc = Vector128.FusedMultiplyAdd(Vector128.Load(rowBase + off[t] + ox), Vector128.Create(pwt[t]), acc);
                        acc.Store(yr + ox);
                    }
                }
                for (; ox < ow; ox++)
                {
                    float acc = accumulate ? yr[ox] : bias;
                    for (int t = tLo; t < tHi; t++) acc = MathF.FusedMultiplyAdd(rowBase[off[t] + ox], pwt[t], acc);
                    yr[ox] = acc;
                }
                stage?.ApplyRow(yr, ow, false, 0f, z == null ? null : z + (long)oy * ow);
            }
        }
    }

    // offsets[a·kW + b] of tap (a, b) in the padded layout (see PlaneForward)
    private static void TapOffsets(in ConvGeometry g, Span<int> offsets)
    {
        int sw = g.StrideW, rowStride = PaddedRowStride(g), phaseWidth = rowStride / sw;
        for (int a = 0; a < g.KernelH; a++)
        {
            for (int b = 0; b < g.KernelW; b++)
            {
                // stride 1 (the common case) needs no phase split
                int col = b * g.DilationW;
                offsets[a * g.KernelW + b] = a * g.DilationH * rowStride + (sw == 1 ? col : col % sw * phaseWidth + col / sw);
            }
        }
    }

    // The vector blocks below are small methods of their own: inlined into PlaneForward (many paths, many vector
    // locals) the JIT kept their accumulators on the stack, a store and a load in every FMA chain step (~3× slower).

    // four vectors: y0 + r·yStep (r < 4) = bias + Σ_t w[t] · s[off[t] + r·sStep]
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private static void Four(float* s, long sStep, int* off, int tLo, int tHi, float* w, float bias, float* y0, long yStep)
    {
        var a0 = Vector512.Create(bias);
        Vector512<float> a1 = a0, a2 = a0, a3 = a0;
        for (int t = tLo; t < tHi; t++)
        {
            var wt = Vector512.Create(w[t]);
            float* src = s + off[t];
            a0 = Vector512.FusedMultiplyAdd(Vector512.Load(src), wt, a0);
            a1 = Vector512.FusedMultiplyAdd(Vector512.Load(src + sStep), wt, a1);
            a2 = Vector512.FusedMultiplyAdd(Vector512.Load(src + 2 * sStep), wt, a2);
            a3 = Vector512.FusedMultiplyAdd(Vector512.Load(src + 3 * sStep), wt, a3);
        }
        a0.Store(y0);
        a1.Store(y0 + yStep);
        a2.Store(y0 + 2 * yStep);
        a3.Store(y0 + 3 * yStep);
    }

    // as Four, starting from the values at c0 + r·cStep instead of the bias (the accumulating input gradient)
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private static void Four(float* s, long sStep, int* off, int tLo, int tHi, float* w, float* c0, long cStep, float* y0, long yStep)
    {
        Vector512<float> a0 = Vector512.Load(c0), a1 = Vector512.Load(c0 + cStep), a2 = Vector512.Load(c0 + 2 * cStep), a3 = Vector512.Load(c0 + 3 * cStep);
        for (int t = tLo; t < tHi; t++)
        {
            var wt = Vector512.Create(w[t]);
            float* src = s + off[t];
            a0 = Vector512.FusedMultiplyAdd(Vector512.Load(src), wt, a0);
            a1 = Vector512.FusedMultiplyAdd(Vector512.Load(src + sStep), wt, a1);
            a2 = Vector512.FusedMultiplyAdd(Vector512.Load(src + 2 * sStep), wt, a2);
            a3 = Vector512.FusedMultiplyAdd(Vector512.Load(src + 3 * sStep), wt, a3);
        }
        a0.Store(y0);
        a1.Store(y0 + yStep);
        a2.Store(y0 + 2 * yStep);
        a3.Store(y0 + 3 * yStep);
    }

    // four vectors at columns x0..x3 of one row (the last ones may overlap)
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private static void FourAt(float* s, int x0, int x1, int x2, int x3, int* off, int tLo, int tHi, float* w, float bias, float* y)
    {
        var a0 = Vector512.Create(bias);
        Vector512<float> a1 = a0, a2 = a0, a3 = a0;
        for (int t = tLo; t < tHi; t++)
        {
            var wt = Vector512.Create(w[t]);
            float* src = s + off[t];
            a0 = Vector512.FusedMultiplyAdd(Vector512.Load(src + x0), wt, a0);
            a1 = Vector512.FusedMultiplyAdd(Vector512.Load(src + x1), wt, a1);
            a2 = Vector512.FusedMultiplyAdd(Vector512.Load(src + x2), wt, a2);
            a3 = Vector512.FusedMultiplyAdd(Vector512.Load(src + x3), wt, a3);
        }
        a0.Store(y + x0);
        a1.Store(y + x1);
        a2.Store(y + x2);
        a3.Store(y + x3);
    }

    // two vectors at s and s + d (overlapping when d < 16)
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private static void Two(float* s, int d, int* off, int tLo, int tHi, float* w, float bias, float* y)
    {
        var a0 = Vector512.Create(bias);
        var a1 = a0;
        for (int t = tLo; t < tHi; t++)
        {
            var wt = Vector512.Create(w[t]);
            float* src = s + off[t];
            a0 = Vector512.FusedMultiplyAdd(Vector512.Load(src), wt, a0);
            a1 = Vector512.FusedMultiplyAdd(Vector512.Load(src + d), wt, a1);
        }
        a0.Store(y);
        a1.Store(y + d);
    }

    // Taps [tLo, tHi) (kernel rows aLo..aHi, row-major taps) of output row oy whose padded input rows are not all padding;
    // all taps unless skip.
    private static void TapRows(in ConvGeometry g, int oy, bool skip, out int tLo, out int tHi)
    {
        int aLo = 0, aHi = g.KernelH;
        if (skip)
        {
            // tap row a reads padded row oy·sH + a·dH: an input row when padTop ≤ that < padTop + H
            int top = oy * g.StrideH;
            while (aLo < aHi && top + aLo * g.DilationH < g.PadTop) aLo++;
            while (aHi > aLo && top + (aHi - 1) * g.DilationH >= g.PadTop + g.InHeight) aHi--;
        }
        tLo = aLo * g.KernelW;
        tHi = aHi * g.KernelW;
    }
}
