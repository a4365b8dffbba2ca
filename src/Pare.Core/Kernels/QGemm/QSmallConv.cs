using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Pare.Core.Kernels.QGemm;

/// <summary>Int8 2-D convolution with few multiply-adds per output (C·kH·kW ≤ <see cref="MaxTaps"/>, e.g. the first
/// conv of an image model on a 1- or 3-channel input), requantized like <see cref="QGemm.MultiplyRequantize"/>:
/// y = saturate(round_half_even((Σ (x − xz)·(w − wz) + bias_m) · mult_m) + yz), direct on NCHW.</summary>
/// <remarks>
/// Why not the GEMM: with K = 9 the im2col rows, the K padding to the VNNI quad, the 32-column panels and the NHWC →
/// NCHW transpose of the output cost more than the multiply-adds. Here the image is centred once into a zero-padded
/// int16 copy (padding holds x − xz = 0), then for every pair of taps (t, t+1) one "pair image" holds, per output
/// pixel, the two input values as int16 halves of an int32 (stride 1: eight pixels per SSE2 unpack). An output
/// channel is then, sixteen pixels per step, Σ_pairs vpmaddwd(pair image, (w_t, w_t+1)): every product and every
/// pair sum is exact in int32 (|x − xz|, |w − wz| ≤ 255), so the int32 sum equals the reference's. The requantization
/// is <see cref="QGemmEpilogue"/>'s double arithmetic. AVX-512BW, AVX2 and scalar paths agree bit for bit.
/// </remarks>
public static class QSmallConv
{
    /// <summary>Most taps (C·kH·kW) this kernel takes.</summary>
    public const int MaxTaps = 32;

    // pixels per chunk: a multiple of sixteen (the vector steps); 16 pairs · 256 int32 = 16 KB
    private const int Chunk = 256;

    [ThreadStatic] private static short[]? _padded;
    [ThreadStatic] private static int[]? _pairs;
    [ThreadStatic] private static int[]? _sums;

    /// <summary>Output channels [m0, m1) of one image.</summary>
    /// <param name="x">(C, H, W) uint8</param>
    /// <param name="g">geometry (padding ≥ 0)</param>
    /// <param name="xZero">x's zero point</param>
    /// <param name="weights">(M, C, kH, kW) centred weights w − w_zero (each within ±255)</param>
    /// <param name="m0">first output channel</param>
    /// <param name="m1">one past the last output channel</param>
    /// <param name="bias">empty or M int32 values, added before scaling</param>
    /// <param name="multipliers">1 or M values scale_x·scale_w[m] / scale_y</param>
    /// <param name="yZero">output zero point</param>
    /// <param name="signedOutput">int8 output (else uint8)</param>
    /// <param name="y">(M, outH, outW) output bytes, or (M, outH/2, outW/2) with <paramref name="maxPool2x2"/>; only
    /// channels [m0, m1) are written</param>
    /// <param name="maxPool2x2">follow with a 2×2 stride-2 max pool (floor mode), pooling the int32 sums before the
    /// requantization (<see cref="QMaxPoolRequant"/>; multipliers must be finite and ≥ 0)</param>
    public static unsafe void Run(ReadOnlySpan<byte> x, QConvGeometry g, int xZero, ReadOnlySpan<short> weights, int m0, int m1,
        ReadOnlySpan<int> bias, ReadOnlySpan<float> multipliers, int yZero, bool signedOutput, Span<byte> y, bool maxPool2x2 = false)
    {
        int taps = g.Taps, plane = g.OutH * g.OutW, outPlane = maxPool2x2 ? g.OutH / 2 * (g.OutW / 2) : plane;
        if (taps < 1 || taps > MaxTaps) throw new ArgumentException($"small conv: {taps} taps (1 to {MaxTaps})");
        if (g.PadTop < 0 || g.PadLeft < 0 || g.StrideH < 1 || g.StrideW < 1 || g.DilationH < 1 || g.DilationW < 1)
            throw new ArgumentException("small conv: negative padding or non-positive stride/dilation");
        if (m0 < 0 || m1 < m0 || (long)m1 * taps > weights.Length) throw new ArgumentException($"small conv: channels [{m0}, {m1}) of {weights.Length / taps}");
        if (x.Length < g.InChannels * g.H * g.W || y.Length < (long)m1 * outPlane) throw new ArgumentException("small conv: buffers too small");
        if (bias.Length != 0 && bias.Length < m1) throw new ArgumentException($"small conv: {bias.Length} bias values for {m1} channels");
        if (multipliers.Length != 1 && multipliers.Length < m1) throw new ArgumentException($"small conv: {multipliers.Length} multipliers for {m1} channels");
        if (maxPool2x2 && !QMaxPoolRequant.Commutes(multipliers)) throw new ArgumentException("small conv: pooling needs finite multipliers ≥ 0");
        if (m0 == m1 || outPlane == 0) return;

        // the zero-padded centred copy: every tap read of an output row is inside it (plus 8 columns of slack for
        // the eight-wide reads of the pair building)
        int hp = Math.Max(g.H + g.PadTop, (g.OutH - 1) * g.StrideH + (g.KernelH - 1) * g.DilationH + 1);
        int wp = Math.Max(g.W + g.PadLeft, (g.OutW - 1) * g.StrideW + (g.KernelW - 1) * g.DilationW + 1) + 8;
        // (+ 32: the tail slack the stride-2 pair building may read past the last row)
        int paddedLength = g.InChannels * hp * wp + 32;
        var padded = _padded is { } pd && pd.Length >= paddedLength ? pd : _padded = new short[Math.Max(paddedLength, 4096)];
        // one pair image per two taps, rounded up to sixteen pixels plus slack for the last row's eight-wide stores
        int pairs = (taps + 1) / 2, pairStride = (plane + 15) / 16 * 16 + 16;
        var pairImages = _pairs is { } pr && pr.Length >= pairs * pairStride ? pr : _pairs = new int[Math.Max(pairs * pairStride, 4096)];
        Span<int> wpairs = stackalloc int[pairs];
        var sums = maxPool2x2 ? (_sums is { } sm && sm.Length >= pairStride + outPlane + 16 ? sm : _sums = new int[Math.Max(pairStride + outPlane + 16, 4096)]) : [];
        fixed (int* ps = sums)
        fixed (byte* px = x)
        fixed (short* pp = padded)
        fixed (int* pi = pairImages)
        fixed (short* pw = weights)
        fixed (byte* py = y)
        {
            Pad(px, g, xZero, pp, hp, wp);
            BuildPairs(pp, g, hp, wp, pi, pairStride);
            int lo = signedOutput ? sbyte.MinValue : 0, hi = signedOutput ? sbyte.MaxValue : byte.MaxValue;
            if (maxPool2x2)
            {
                for (int m = m0; m < m1; m++)
                {
                    // the channel's int32 sums, pooled, then requantized (a quarter of the values)
                    WeightPairs(pw + (long)m * taps, taps, wpairs);
                    Sums(pi, pairStride, pairs, wpairs, plane, bias.IsEmpty ? 0 : bias[m], ps);
                    QMaxPoolRequant.Plane(ps, g.OutH, g.OutW, multipliers[multipliers.Length == 1 ? 0 : m], yZero, signedOutput, ps + pairStride, py + (long)m * outPlane);
                }
                return;
            }
            // chunks of pixels outer, channels inner: a chunk of every pair image (pairs · Chunk int32) stays in L1
            // while all channels read it, instead of every channel streaming the whole pair images from L2
            for (int i0 = 0; i0 < plane; i0 += Chunk)
            {
                int n = Math.Min(Chunk, plane - i0);
                int* pc = pi + i0;
                for (int m = m0; m < m1; m++)
                {
                    WeightPairs(pw + (long)m * taps, taps, wpairs);
                    int b = bias.IsEmpty ? 0 : bias[m];
                    float mult = multipliers[multipliers.Length == 1 ? 0 : m];
                    byte* ym = py + (long)m * plane + i0;
                    int i = 0;
                    if (float.IsFinite(mult))
                    {
                        if (Avx512BW.IsSupported) i = Channel512(pc, pairStride, pairs, wpairs, n, b, mult, yZero, lo, hi, ym);
                        else if (Avx2.IsSupported) i = Channel256(pc, pairStride, pairs, wpairs, n, b, mult, yZero, lo, hi, ym);
                    }
                    for (; i < n; i++)
                    {
                        int acc = b;
                        for (int p = 0; p < pairs; p++)
                        {
                            int v = pc[p * pairStride + i], wv = wpairs[p];
                            acc = unchecked(acc + (short)v * (short)wv + (v >> 16) * (wv >> 16));
                        }
                        ym[i] = (byte)QGemm.Requantize(acc, mult, yZero, lo, hi);
                    }
                }
            }
        }
    }

    // (w_2p, w_2p+1) as the int16 halves of one int32 per pair (0 past the last tap)
    private static unsafe void WeightPairs(short* wm, int taps, Span<int> wpairs)
    {
        for (int p = 0; p < wpairs.Length; p++)
            wpairs[p] = (ushort)wm[2 * p] | (2 * p + 1 < taps ? wm[2 * p + 1] << 16 : 0);
    }

    /// <summary>Scalar reference of <see cref="Run"/> over all M channels.</summary>
    /// <param name="x">(C, H, W) uint8</param>
    /// <param name="g">geometry</param>
    /// <param name="xZero">x's zero point</param>
    /// <param name="weights">(M, C, kH, kW) centred weights</param>
    /// <param name="outChannels">M</param>
    /// <param name="bias">empty or M values</param>
    /// <param name="multipliers">1 or M values</param>
    /// <param name="yZero">output zero point</param>
    /// <param name="signedOutput">int8 output</param>
    /// <returns>(M, outH, outW) quantized values</returns>
    public static int[] Reference(ReadOnlySpan<byte> x, QConvGeometry g, int xZero, ReadOnlySpan<short> weights, int outChannels,
        ReadOnlySpan<int> bias, ReadOnlySpan<float> multipliers, int yZero, bool signedOutput)
    {
        var y = new int[outChannels * g.OutH * g.OutW];
        for (int m = 0; m < outChannels; m++)
            for (int oy = 0; oy < g.OutH; oy++)
                for (int ox = 0; ox < g.OutW; ox++)
                {
                    int acc = 0;
                    for (int c = 0; c < g.InChannels; c++)
                        for (int ky = 0; ky < g.KernelH; ky++)
                            for (int kx = 0; kx < g.KernelW; kx++)
                            {
                                int iy = oy * g.StrideH - g.PadTop + ky * g.DilationH, ix = ox * g.StrideW - g.PadLeft + kx * g.DilationW;
                                if (iy < 0 || iy >= g.H || ix < 0 || ix >= g.W) continue;
                                acc = unchecked(acc + (x[(c * g.H + iy) * g.W + ix] - xZero) * weights[((m * g.InChannels + c) * g.KernelH + ky) * g.KernelW + kx]);
                            }
                    if (!bias.IsEmpty) acc = unchecked(acc + bias[m]);
                    y[(m * g.OutH + oy) * g.OutW + ox] = QGemm.Requantize(acc, multipliers[multipliers.Length == 1 ? 0 : m], yZero,
                        signedOutput ? sbyte.MinValue : 0, signedOutput ? sbyte.MaxValue : byte.MaxValue);
                }
        return y;
    }

    // (C, hp, wp) int16: x − xz at (iy + padTop, ix + padLeft), 0 elsewhere
    private static unsafe void Pad(byte* x, QConvGeometry g, int xZero, short* dst, int hp, int wp)
    {
        new Span<short>(dst, g.InChannels * hp * wp).Clear();
        for (int c = 0; c < g.InChannels; c++)
            for (int iy = 0; iy < g.H; iy++)
            {
                byte* src = x + ((long)c * g.H + iy) * g.W;
                short* d = dst + ((long)c * hp + iy + g.PadTop) * wp + g.PadLeft;
                int ix = 0;
                if (Avx2.IsSupported)
                {
                    var z = Vector256.Create((short)xZero);
                    for (; ix + 16 <= g.W; ix += 16) Avx2.Subtract(Avx2.ConvertToVector256Int16(Sse2.LoadVector128(src + ix)), z).Store(d + ix);
                }
                for (; ix < g.W; ix++) d[ix] = (short)(src[ix] - xZero);
            }
    }

    // pair image p, pixel i = oy·outW + ox: (int16) value of tap 2p | value of tap 2p+1 (0 past the last tap) << 16,
    // taps in the weights' (c, ky, kx) order
    private static unsafe void BuildPairs(short* padded, QConvGeometry g, int hp, int wp, int* dst, int pairStride)
    {
        int taps = g.Taps, kk = g.KernelH * g.KernelW, outW = g.OutW;
        for (int p = 0; p < (taps + 1) / 2; p++)
        {
            short* a = padded + TapOffset(g, 2 * p, kk, hp, wp);
            bool hasB = 2 * p + 1 < taps;
            short* b = hasB ? padded + TapOffset(g, 2 * p + 1, kk, hp, wp) : null;
            int* d = dst + (long)p * pairStride;
            for (int oy = 0; oy < g.OutH; oy++, d += outW)
            {
                long row = (long)oy * g.StrideH * wp;
                short* ra = a + row, rb = b + row;
                if (g.StrideW == 1 && Sse2.IsSupported)
                {
                    // eight pixels per step: unpacklo/hi interleave (a0 b0 a1 b1 …) = four int32 pairs each; the step
                    // may run ≤ 7 pixels into the next row (rewritten by that row) or the image's slack
                    for (int ox = 0; ox < outW; ox += 8)
                    {
                        var va = Sse2.LoadVector128(ra + ox);
                        var vb = hasB ? Sse2.LoadVector128(rb + ox) : Vector128<short>.Zero;
                        Sse2.UnpackLow(va, vb).AsInt32().Store(d + ox);
                        Sse2.UnpackHigh(va, vb).AsInt32().Store(d + ox + 4);
                    }
                    continue;
                }
                if (g.StrideW == 2 && Avx2.IsSupported)
                {
                    // eight pixels per step: the sixteen int16 at 2·ox are eight int32 whose low halves are the
                    // stride-2 pixels, so tap a's value is (int32 & 0xFFFF) and tap b's is (int32 << 16); the step may
                    // read ≤ 15 int16 past the row (the next row, or the image's tail slack) and write ≤ 7 pixels past it
                    var low = Vector256.Create(0xFFFF);
                    for (int ox = 0; ox < outW; ox += 8)
                    {
                        var va = Avx2.And(Avx.LoadVector256((int*)(ra + 2 * ox)), low);
                        var vb = hasB ? Avx2.ShiftLeftLogical(Avx.LoadVector256((int*)(rb + 2 * ox)), 16) : Vector256<int>.Zero;
                        Avx2.Or(va, vb).Store(d + ox);
                    }
                    continue;
                }
                for (int ox = 0; ox < outW; ox++)
                {
                    long at = (long)ox * g.StrideW;
                    d[ox] = (ushort)ra[at] | (hasB ? rb[at] << 16 : 0);
                }
            }
        }
    }

    private static long TapOffset(QConvGeometry g, int t, int kk, int hp, int wp)
    {
        int c = t / kk, ky = t % kk / g.KernelW, kx = t % g.KernelW;
        return ((long)c * hp + (long)ky * g.DilationH) * wp + (long)kx * g.DilationW;
    }

    // sums[i] = bias + Σ_p pairs_p[i]·(w_2p, w_2p+1) for the whole plane (vector steps may run into the padding)
    private static unsafe void Sums(int* pairImages, int pairStride, int pairs, ReadOnlySpan<int> wpairs, int plane, int bias, int* sums)
    {
        int i = 0;
        if (Avx512BW.IsSupported)
        {
            for (; i < plane; i += 16)
            {
                var acc = Vector512.Create(bias);
                int* src = pairImages + i;
                for (int p = 0; p < pairs; p++, src += pairStride)
                    acc = Avx512F.Add(acc, Avx512BW.MultiplyAddAdjacent(Vector512.Load(src).AsInt16(), Vector512.Create(wpairs[p]).AsInt16()));
                acc.Store(sums + i);
            }
            return;
        }
        if (Avx2.IsSupported)
        {
            for (; i < plane; i += 8)
            {
                var acc = Vector256.Create(bias);
                int* src = pairImages + i;
                for (int p = 0; p < pairs; p++, src += pairStride)
                    acc = Avx2.Add(acc, Avx2.MultiplyAddAdjacent(Avx.LoadVector256(src).AsInt16(), Vector256.Create(wpairs[p]).AsInt16()));
                acc.Store(sums + i);
            }
            return;
        }
        for (; i < plane; i++)
        {
            int acc = bias;
            for (int p = 0; p < pairs; p++)
            {
                int v = pairImages[p * pairStride + i], wv = wpairs[p];
                acc = unchecked(acc + (short)v * (short)wv + (v >> 16) * (wv >> 16));
            }
            sums[i] = acc;
        }
    }

    // sixteen pixels per step: bias + Σ_p vpmaddwd(pairs_p, (w_2p, w_2p+1)), requantized by QGemmEpilogue.Quantize16
    // (as the GEMM's tiles); a partial last block goes through a 16-byte buffer (never past the channel)
    private static unsafe int Channel512(int* pairImages, int pairStride, int pairs, ReadOnlySpan<int> wpairs, int plane,
        int bias, float mult, int yZero, int lo, int hi, byte* y)
    {
        var zp = Vector512.Create(yZero);
        var lo5 = Vector512.Create((double)(lo - yZero));
        var hi5 = Vector512.Create((double)(hi - yZero));
        var n = Vector512.Create((double)mult);
        var start = Vector512.Create(bias);
        byte* tail = stackalloc byte[16];
        for (int i = 0; i < plane; i += 16)
        {
            var acc = start;
            int* src = pairImages + i;
            for (int p = 0; p < pairs; p++, src += pairStride)
                acc = Avx512F.Add(acc, Avx512BW.MultiplyAddAdjacent(Vector512.Load(src).AsInt16(), Vector512.Create(wpairs[p]).AsInt16()));
            var bytes = QGemmEpilogue.Quantize16(acc, n, n, lo5, hi5, zp);
            if (i + 16 <= plane) bytes.Store(y + i);
            else
            {
                bytes.Store(tail);
                for (int j = 0; j < plane - i; j++) y[i + j] = tail[j];
            }
        }
        return plane;
    }

    // the AVX2 twin of Channel512: eight pixels per step, requantized like QGemmEpilogue.QuantizedRow
    private static unsafe int Channel256(int* pairImages, int pairStride, int pairs, ReadOnlySpan<int> wpairs, int plane,
        int bias, float mult, int yZero, int lo, int hi, byte* y)
    {
        var zp = Vector256.Create((double)yZero);
        var lo4 = Vector256.Create((double)lo);
        var hi4 = Vector256.Create((double)hi);
        var n = Vector256.Create((double)mult);
        var start = Vector256.Create(bias);
        bool signed = lo < 0;
        int i = 0;
        for (; i + 8 <= plane; i += 8)
        {
            var acc = start;
            int* src = pairImages + i;
            for (int p = 0; p < pairs; p++, src += pairStride)
                acc = Avx2.Add(acc, Avx2.MultiplyAddAdjacent(Avx.LoadVector256(src).AsInt16(), Vector256.Create(wpairs[p]).AsInt16()));
            var d0 = Avx.Add(Avx.RoundToNearestInteger(Avx.Multiply(Avx.ConvertToVector256Double(acc.GetLower()), n)), zp);
            var d1 = Avx.Add(Avx.RoundToNearestInteger(Avx.Multiply(Avx.ConvertToVector256Double(acc.GetUpper()), n)), zp);
            var i0 = Avx.ConvertToVector128Int32WithTruncation(Avx.Max(Avx.Min(d0, hi4), lo4));
            var i1 = Avx.ConvertToVector128Int32WithTruncation(Avx.Max(Avx.Min(d1, hi4), lo4));
            var s = Sse2.PackSignedSaturate(i0, i1);
            var b = signed ? Sse2.PackSignedSaturate(s, s).AsByte() : Sse2.PackUnsignedSaturate(s, s);
            *(ulong*)(y + i) = b.AsUInt64().ToScalar();
        }
        return i;
    }
}
