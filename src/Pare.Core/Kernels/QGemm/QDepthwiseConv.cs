using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using Pare.Core.Threading;

namespace Pare.Core.Kernels.QGemm;

/// <summary>Int8 depthwise 2-D convolution (one filter per channel, QLinearConv with group = C), requantized like
/// <see cref="QGemm.MultiplyRequantize"/>: y = saturate(round_half_even((Σ (x − xz)·w + bias_c) · mult_c) + yz).
/// Direct, no im2col: per output row, each in-bounds tap adds (x − xz)·w over the row's valid pixels, eight int32
/// lanes per AVX2 step when the stride is 1 (x widened with vpmovzxbd, vpmulld, vpaddd); padding contributes
/// nothing (it holds the zero point). With AVX-512BW, column stride 1 or 2 and no column dilation, whole rows run
/// <see cref="QDepthwiseRows"/> instead (two taps per vpmaddwd on a widened padded plane, requantized in registers).
/// Channels run in parallel. Exact, so it agrees with <see cref="Reference"/>.</summary>
public static class QDepthwiseConv
{
    [ThreadStatic] private static int[]? _row;

    /// <summary>Runs one image.</summary>
    /// <param name="x">(C, H, W) uint8</param>
    /// <param name="g">geometry</param>
    /// <param name="xZero">x's zero point</param>
    /// <param name="weights">(C, kH, kW) centred weights w − w_zero</param>
    /// <param name="bias">empty or C int32 values</param>
    /// <param name="multipliers">1 or C values scale_x·scale_w[c] / scale_y</param>
    /// <param name="yZero">output zero point</param>
    /// <param name="signedOutput">int8 output (else uint8)</param>
    /// <param name="y">(C, outH, outW) output bytes</param>
    public static unsafe void Run(ReadOnlySpan<byte> x, QDepthwiseGeometry g, int xZero, ReadOnlySpan<int> weights,
        ReadOnlySpan<int> bias, ReadOnlySpan<float> multipliers, int yZero, bool signedOutput, Span<byte> y)
    {
        int taps = g.KernelH * g.KernelW, inPlane = g.H * g.W, outPlane = g.OutH * g.OutW;
        if (x.Length < g.Channels * inPlane || weights.Length < g.Channels * taps || y.Length < g.Channels * outPlane)
            throw new ArgumentException($"depthwise conv: buffers too small for {g.Channels} channels");
        if (bias.Length != 0 && bias.Length != g.Channels) throw new ArgumentException($"depthwise conv: {bias.Length} bias values for {g.Channels} channels");
        if (multipliers.Length != 1 && multipliers.Length != g.Channels) throw new ArgumentException($"depthwise conv: {multipliers.Length} multipliers for {g.Channels} channels");
        bool finite = true;
        foreach (var m in multipliers) finite &= float.IsFinite(m);
        // AVX-512BW, column stride 1 or 2: whole rows, two taps per vpmaddwd (QDepthwiseRows); weights paired once per call
        int[]? pairs = null, rowSums = null;
        if (QDepthwiseRows.Fits(g, xZero, weights.Slice(0, g.Channels * taps)))
        {
            pairs = new int[g.Channels * g.KernelH * ((g.KernelW + 1) / 2)];
            rowSums = new int[g.Channels * g.KernelH];
            QDepthwiseRows.PackWeights(g, weights, pairs, rowSums);
        }
        fixed (int* ppairs = pairs)
        fixed (int* prows = rowSums)
        fixed (byte* px = x)
        fixed (int* pw = weights)
        fixed (int* pb = bias)
        fixed (float* pm = multipliers)
        fixed (byte* py = y)
        {
            var job = new Job
            {
                G = g, X = px, W = pw, Bias = bias.IsEmpty ? null : pb, Mult = pm, MultCount = multipliers.Length,
                XZero = xZero, YZero = yZero, Signed = signedOutput, Finite = finite, Y = py,
                Pairs = ppairs, RowSums = prows,
            };
            if ((long)g.Channels * outPlane * taps < 32 * 1024) for (int c = 0; c < g.Channels; c++) job.Channel(c);
            else Parallelism.For(g.Channels, job.Channel);
        }
    }

    /// <summary>Scalar reference of <see cref="Run"/>.</summary>
    /// <param name="x">(C, H, W) uint8</param>
    /// <param name="g">geometry</param>
    /// <param name="xZero">x's zero point</param>
    /// <param name="weights">(C, kH, kW) centred weights</param>
    /// <param name="bias">empty or C values</param>
    /// <param name="multipliers">1 or C values</param>
    /// <param name="yZero">output zero point</param>
    /// <param name="signedOutput">int8 output</param>
    /// <returns>(C, outH, outW) quantized values</returns>
    public static int[] Reference(ReadOnlySpan<byte> x, QDepthwiseGeometry g, int xZero, ReadOnlySpan<int> weights,
        ReadOnlySpan<int> bias, ReadOnlySpan<float> multipliers, int yZero, bool signedOutput)
    {
        var y = new int[g.Channels * g.OutH * g.OutW];
        for (int c = 0; c < g.Channels; c++)
            for (int oy = 0; oy < g.OutH; oy++)
                for (int ox = 0; ox < g.OutW; ox++)
                {
                    int acc = bias.IsEmpty ? 0 : bias[c];
                    for (int ky = 0; ky < g.KernelH; ky++)
                        for (int kx = 0; kx < g.KernelW; kx++)
                        {
                            int iy = oy * g.StrideH - g.PadTop + ky * g.DilationH, ix = ox * g.StrideW - g.PadLeft + kx * g.DilationW;
                            if (iy < 0 || iy >= g.H || ix < 0 || ix >= g.W) continue;
                            acc = unchecked(acc + (x[(c * g.H + iy) * g.W + ix] - xZero) * weights[(c * g.KernelH + ky) * g.KernelW + kx]);
                        }
                    y[(c * g.OutH + oy) * g.OutW + ox] = QGemm.Requantize(acc, multipliers[multipliers.Length == 1 ? 0 : c], yZero,
                        signedOutput ? sbyte.MinValue : 0, signedOutput ? sbyte.MaxValue : byte.MaxValue);
                }
        return y;
    }

    private sealed unsafe class Job
    {
        public QDepthwiseGeometry G;
        public byte* X, Y;
        public int* W, Bias, Pairs, RowSums;
        public float* Mult;
        public int MultCount, XZero, YZero;
        public bool Signed, Finite;

        public void Channel(int c)
        {
            var g = G;
            int outW = g.OutW, taps = g.KernelH * g.KernelW;
            byte* x = X + (long)c * g.H * g.W;
            int* w = W + (long)c * taps;
            int bias = Bias is null ? 0 : Bias[c];
            var epilogue = new QGemmEpilogue
            {
                Kind = QGemmEpilogue.Output.Quantized, Y = Y + (long)c * g.OutH * outW, RowStride = outW, ColStride = 1,
                Scales = Mult + (MultCount == 1 ? 0 : c), ScaleCount = 1, ZeroPoint = YZero,
                Lo = Signed ? sbyte.MinValue : 0, Hi = Signed ? sbyte.MaxValue : byte.MaxValue, FiniteScales = Finite,
            };
            if (Pairs is not null)
            {
                int np = (g.KernelW + 1) / 2;
                QDepthwiseRows.Channel(g, x, XZero, Pairs + (long)c * g.KernelH * np, RowSums + (long)c * g.KernelH, bias, epilogue);
                return;
            }
            var rowBuffer = _row is { } r && r.Length >= outW ? r : _row = new int[Math.Max(outW, 64)];
            // stride 1 with AVX-512: the columns whose every tap is inside the row, in whole 16-column blocks,
            // accumulate in a register over all taps (Σ x·w − xz·Σ w, wrapping like the centred sum);
            // the rest tap by tap below
            int blockStart = 0, blockEnd = 0, sw = g.StrideW;
            if (sw is 1 or 2 && Avx512F.IsSupported)
            {
                // first column whose leftmost tap is ≥ 0; one past the last whose rightmost read (stride 2 reads
                // the odd byte after its last tap too) is < W
                blockStart = Math.Min(outW, (Math.Max(0, g.PadLeft) + sw - 1) / sw);
                int last = g.W - 1 - (g.KernelW - 1) * g.DilationW + g.PadLeft - (sw - 1);
                int interiorEnd = last < 0 ? 0 : Math.Min(outW, last / sw + 1);
                blockEnd = interiorEnd > blockStart ? blockStart + (interiorEnd - blockStart) / 16 * 16 : blockStart;
            }
            fixed (int* acc = rowBuffer)
            {
                for (int oy = 0; oy < g.OutH; oy++)
                {
                    new Span<int>(acc, outW).Fill(bias);
                    int wsum = 0;
                    for (int ky = 0; ky < g.KernelH; ky++)
                    {
                        int iy = oy * g.StrideH - g.PadTop + ky * g.DilationH;
                        if (iy < 0 || iy >= g.H) continue;
                        byte* row = x + (long)iy * g.W;
                        for (int kx = 0; kx < g.KernelW; kx++)
                        {
                            int wv = w[ky * g.KernelW + kx];
                            if (wv == 0) continue;
                            wsum += wv;
                            // output columns whose input column ix = ox·s − pad + kx·d lies in [0, W)
                            int shift = kx * g.DilationW - g.PadLeft;
                            int lo = shift >= 0 ? 0 : (-shift + g.StrideW - 1) / g.StrideW;
                            int hi = Math.Min(outW, g.W - 1 - shift < 0 ? 0 : (g.W - 1 - shift) / g.StrideW + 1);
                            if (blockEnd == blockStart) Tap(acc, row + shift, lo, hi, g.StrideW, wv);
                            else
                            {
                                Tap(acc, row + shift, lo, Math.Min(hi, blockStart), sw, wv);
                                Tap(acc, row + shift, Math.Max(lo, blockEnd), hi, sw, wv);
                            }
                        }
                    }
                    if (blockEnd > blockStart) Interior(acc, x, w, oy, blockStart, blockEnd, unchecked(bias - XZero * wsum));
                    epilogue.WriteRow(oy, 0, outW, acc);
                }
            }
        }

        // acc[ox] = start + Σ over the row's in-bounds taps of x·w, for ox in [b0, b1) (16-column blocks; stride 1:
        // 16 bytes widened, stride 2: 32 bytes as 16 words, the even (low) bytes kept and widened)
        private void Interior(int* acc, byte* x, int* w, int oy, int b0, int b1, int start)
        {
            var g = G;
            var low = Vector256.Create((ushort)0xFF);
            for (int ox = b0; ox < b1; ox += 16)
            {
                var v = Vector512.Create(start);
                for (int ky = 0; ky < g.KernelH; ky++)
                {
                    int iy = oy * g.StrideH - g.PadTop + ky * g.DilationH;
                    if (iy < 0 || iy >= g.H) continue;
                    byte* src = x + (long)iy * g.W + (long)ox * g.StrideW - g.PadLeft;
                    int* wr = w + ky * g.KernelW;
                    for (int kx = 0; kx < g.KernelW; kx++)
                    {
                        var xv = g.StrideW == 1
                            ? Avx512F.ConvertToVector512Int32(Vector128.Load(src + kx * g.DilationW))
                            : Avx512F.ConvertToVector512Int32(Vector256.Load((ushort*)(src + kx * g.DilationW)) & low);
                        v = Avx512F.Add(v, Avx512F.MultiplyLow(xv, Vector512.Create(wr[kx])));
                    }
                }
                v.Store(acc + ox);
            }
        }

        // acc[ox] += (src[ox·stride] − xz)·wv for ox in [lo, hi)
        private void Tap(int* acc, byte* src, int lo, int hi, int stride, int wv)
        {
            int ox = lo;
            if (stride == 1 && Avx2.IsSupported)
            {
                var vw = Vector256.Create(wv);
                var vz = Vector256.Create(XZero);
                for (; ox + 8 <= hi; ox += 8)
                {
                    var v = Avx2.Subtract(Avx2.ConvertToVector256Int32(src + ox), vz);
                    Avx.Store(acc + ox, Avx2.Add(Avx.LoadVector256(acc + ox), Avx2.MultiplyLow(v, vw)));
                }
            }
            for (; ox < hi; ox++) acc[ox] = unchecked(acc[ox] + (src[(long)ox * stride] - XZero) * wv);
        }
    }
}
