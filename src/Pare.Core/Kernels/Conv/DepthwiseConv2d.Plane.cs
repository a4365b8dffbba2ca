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
        bool accumulate = false, ConvOutputStage? stage = null, float* z = null, bool skipPaddingRows = false)
    {
        int oh = g.OutHeight, ow = g.OutWidth, taps = g.KernelH * g.KernelW, sw = g.StrideW, rowStride = PaddedRowStride(g);
        int phaseWidth = rowStride / sw;
        // a small plane (still in L1 when its last row is done) gets the stage in one call: short rows (17, 34 columns)
        // would spend more on the per-call setup and the scalar tail of every row than on the values
        bool stagePerPlane = stage is not null && oh * ow <= StagePlaneFloats;
        Span<int> offsets = taps <= 256 ? stackalloc int[taps] : new int[taps];
        for (int a = 0; a < g.KernelH; a++)
        {
            for (int b = 0; b < g.KernelW; b++)
            {
                // stride 1 (the common case) needs no phase split: no integer division per tap and plane
                int col = b * g.DilationW;
                offsets[a * g.KernelW + b] = a * g.DilationH * rowStride + (sw == 1 ? col : col % sw * phaseWidth + col / sw);
            }
        }
        // kernel rows that read only top or bottom padding add exact zeros when every weight is finite (an infinite or
        // NaN weight must still turn the padding into NaN): their taps are skipped (3 of 5 rows on PaddleOCR cls's
        // 2-row planes)
        bool skip = skipPaddingRows && AllFinite(w);
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
                        var a0 = Vector512.Create(bias);
                        var a1 = a0;
                        var a2 = a0;
                        var a3 = a0;
                        for (int t = tLo; t < tHi; t++)
                        {
                            var wt = Vector512.Create(pwt[t]);
                            float* src = b0 + off[t] + x;
                            a0 = Vector512.FusedMultiplyAdd(Vector512.Load(src), wt, a0);
                            a1 = Vector512.FusedMultiplyAdd(Vector512.Load(src + rowStep), wt, a1);
                            a2 = Vector512.FusedMultiplyAdd(Vector512.Load(src + 2 * rowStep), wt, a2);
                            a3 = Vector512.FusedMultiplyAdd(Vector512.Load(src + 3 * rowStep), wt, a3);
                        }
                        a0.Store(y0 + x);
                        a1.Store(y0 + ow + x);
                        a2.Store(y0 + 2 * ow + x);
                        a3.Store(y0 + 3 * ow + x);
                    }
                    if (!stagePerPlane && stage is not null)
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
                        Vector512<float> a0, a1, a2, a3;
                        if (accumulate)
                        {
                            a0 = Vector512.Load(o); a1 = Vector512.Load(o + L); a2 = Vector512.Load(o + 2 * L); a3 = Vector512.Load(o + 3 * L);
                        }
                        else
                        {
                            a0 = a1 = a2 = a3 = Vector512.Create(bias);
                        }
                        for (int t = tLo; t < tHi; t++)
                        {
                            var wt = Vector512.Create(pwt[t]);
                            float* s = rowBase + off[t] + ox;
                            a0 = Vector512.FusedMultiplyAdd(Vector512.Load(s), wt, a0);
                            a1 = Vector512.FusedMultiplyAdd(Vector512.Load(s + L), wt, a1);
                            a2 = Vector512.FusedMultiplyAdd(Vector512.Load(s + 2 * L), wt, a2);
                            a3 = Vector512.FusedMultiplyAdd(Vector512.Load(s + 3 * L), wt, a3);
                        }
                        a0.Store(o); a1.Store(o + L); a2.Store(o + 2 * L); a3.Store(o + 3 * L);
                    }
                    if (!accumulate && ow - ox > L && ow - ox <= 2 * L)
                    {
                        // the rest of the row (17-32 outputs, e.g. 96 = 64 + 32) as two vectors, the second ending at the
                        // row's end (overlapping, same values)
                        int x1 = ow - L;
                        var a0 = Vector512.Create(bias);
                        var a1 = a0;
                        for (int t = tLo; t < tHi; t++)
                        {
                            var wt = Vector512.Create(pwt[t]);
                            float* src = rowBase + off[t];
                            a0 = Vector512.FusedMultiplyAdd(Vector512.Load(src + ox), wt, a0);
                            a1 = Vector512.FusedMultiplyAdd(Vector512.Load(src + x1), wt, a1);
                        }
                        a0.Store(yr + ox); a1.Store(yr + x1);
                        ox = ow;
                    }
                    if (!accumulate && ow - ox > Vector512<float>.Count && ow >= 2 * Vector512<float>.Count)
                    {
                        // the rest of the row (33-63 outputs) as four vectors at once, the last one ending at the
                        // row's end (overlapping, same values): independent FMA chains instead of one after another
                        int x1 = Math.Min(ox + L, ow - L), x2 = Math.Min(ox + 2 * L, ow - L), x3 = ow - L;
                        var a0 = Vector512.Create(bias);
                        Vector512<float> a1 = a0, a2 = a0, a3 = a0;
                        for (int t = tLo; t < tHi; t++)
                        {
                            var wt = Vector512.Create(pwt[t]);
                            float* src = rowBase + off[t];
                            a0 = Vector512.FusedMultiplyAdd(Vector512.Load(src + ox), wt, a0);
                            a1 = Vector512.FusedMultiplyAdd(Vector512.Load(src + x1), wt, a1);
                            a2 = Vector512.FusedMultiplyAdd(Vector512.Load(src + x2), wt, a2);
                            a3 = Vector512.FusedMultiplyAdd(Vector512.Load(src + x3), wt, a3);
                        }
                        a0.Store(yr + ox); a1.Store(yr + x1); a2.Store(yr + x2); a3.Store(yr + x3);
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
                if (!stagePerPlane) stage?.ApplyRow(yr, ow, false, 0f, z == null ? null : z + (long)oy * ow);
            }
            if (stagePerPlane) stage!.ApplyRow(py, oh * ow, false, 0f, z);
        }
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

    private static bool AllFinite(ReadOnlySpan<float> w)
    {
        foreach (float v in w)
            if (!float.IsFinite(v)) return false;
        return true;
    }
}
