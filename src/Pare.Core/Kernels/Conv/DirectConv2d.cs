using System.Buffers;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using Pare.Core.Threading;

namespace Pare.Core.Kernels.Conv;

/// <summary>Direct forward convolution (AVX-512) for convolutions with few input channels and a short patch: a
/// network's first layer (3 channels, 3×3, stride 2: PaddleOCR cls/rec/det) and MNIST's 5×5 layers. The im2col GEMM
/// writes (and reads back) a patch matrix K = C_in·kH·kW times larger than the input, which for these shapes costs
/// about as much as the multiply itself; here a band of input rows is copied once into zero-padded rows, split by
/// column phase for stride 2 (src[c][φ][r][q] = x_pad[c][r][q·sW + φ]), so that for every tap the 16 outputs
/// ox..ox+15 of an output row read 16 consecutive floats, and 8 output channels accumulate from each load:
/// <code>
/// for each band of output rows, block of 8 output channels, output row, 16 columns:
///   acc[0..7] = 0
///   for each tap t = (c, kh, kw) in weight order:  v = src row (oy·sH + kh), phase kw mod sW, from ox + kw / sW
///                                                 acc[j] += w[co + j, t] · v
///   store acc (masked at the row's end), then the output stage on the finished rows
/// </code>
/// The sums run over t in the same order, from zero, with the same fused multiply-adds as the GEMM's micro-kernel,
/// one k block of the GEMM's blocking (<c>Gemm.KBlockDepth</c>) at a time, each block's sums added to the earlier
/// ones as the GEMM's β = 1 update does, then the bias and stage, so the outputs equal the im2col path's bit for bit.
/// It also takes convolutions with few output channels over many input channels (PaddleOCR det's 96 → 24, 3×3 on
/// 80×136: 6.5 → 5.1 ms), whose patch matrix would be K = 864 rows deep for 24 rows of output; a band's source rows
/// then stay within 512 KB. Bands of rows are the parallel tasks.
/// Scalar twin: <see cref="Conv2dReference"/>.</summary>
internal static unsafe class DirectConv2d
{
    // output channels per block: 8 accumulators of 16 lanes, fed by one load per tap
    private const int Block = 8;

    private const int Lanes = 16;

    // longest patch taken for few input channels (a block's weights, 8·K floats, in L1)
    private const int MaxPatch = 256;

    // most input channels: more channels make a longer patch matrix per input value, where the GEMM's blocking wins
    private const int MaxInChannels = 16;

    // few output channels over many input channels (PaddleOCR det's 96 → 24, 3×3 on 80×136: 45% of the model):
    // the GEMM packs a patch matrix 864 rows deep for 24 rows of output, here every input row is copied once per band.
    // Rows of 34 (det's 20×34 head) tie with the GEMM (3 vectors for 34 columns): from 48 columns on the direct one wins
    // (40×68: 2.0 → 1.3 ms)
    private const int WideMaxOutChannels = 32, WideMinOutWidth = 48, WideMaxPatch = 2048;

    // most output rows per band (fewer when the source would pass SourceFloats): a small image is one band (MNIST 28×28: 5.6 → 4.7 µs)
    private const int BandRows = 32;

    // most floats of a band's source rows (256 KB, in L2 while its taps are read)
    private const int SourceFloats = 128 * 1024;

    // below this many multiply-adds, one thread: MNIST's second layer (627K, ~19 µs) still gains from two
    private const long SerialMacs = 256L * 1024;

    /// <summary>Whether the direct kernel takes <paramref name="g"/> on this CPU: AVX-512, one group, no dilation,
    /// stride 1 or 2, C_out a multiple of 8, outputs at least 8 wide, and either at most 16 input channels with a patch
    /// of at most 256, or at most 32 output channels, outputs at least 48 wide and a patch of at most 2048.</summary>
    /// <param name="g">geometry (valid)</param>
    public static bool Fits(in ConvGeometry g) =>
        Avx512F.IsSupported && g.Groups == 1 && !g.IsPointwise && g.DilationH == 1 && g.DilationW == 1 &&
        g.StrideH is 1 or 2 && g.StrideW is 1 or 2 && g.OutChannels % Block == 0 && g.OutWidth >= 8 && g.OutHeight >= 1 &&
        ((g.InChannels <= MaxInChannels && g.PatchSize <= MaxPatch) ||
         (g.OutChannels <= WideMaxOutChannels && g.OutWidth >= WideMinOutWidth && g.PatchSize <= WideMaxPatch));

    /// <summary>y = stage(conv(x, w) + bias, residual).</summary>
    /// <param name="g">geometry (<see cref="Fits"/>)</param>
    /// <param name="x">(N, C_in, H, W)</param>
    /// <param name="w">(C_out, C_in, kH, kW)</param>
    /// <param name="bias">(C_out) or empty</param>
    /// <param name="residual">(N, C_out, OutH, OutW) or empty</param>
    /// <param name="stage">output stage</param>
    /// <param name="y">(N, C_out, OutH, OutW), overwritten</param>
    public static void Forward(in ConvGeometry g, ReadOnlySpan<float> x, ReadOnlySpan<float> w, ReadOnlySpan<float> bias,
        ReadOnlySpan<float> residual, ConvOutputStage stage, Span<float> y)
    {
        var geo = g;
        int patch = g.PatchSize;
        bool hasBias = !bias.IsEmpty, finish = hasBias || !residual.IsEmpty || !stage.IsNone;
        long macs = (long)g.N * g.OutChannels * g.OutHeight * g.OutWidth * patch;
        int threads = macs < SerialMacs ? 1 : Parallelism.ThreadCount;
        // bands of at most BandRows rows, and at least one task per thread (every output is computed the same way
        // whatever band it falls in, so the split may follow the thread count)
        int bandRows = Math.Min(BandRows, (g.OutHeight + Math.Max(1, threads / Math.Max(g.N, 1)) - 1) / Math.Max(1, threads / Math.Max(g.N, 1)));
        int width = (g.OutWidth + Lanes - 1) / Lanes * Lanes + (g.KernelW - 1) / g.StrideW;
        int sourceRows = SourceFloats / (g.InChannels * g.StrideW * width);
        bandRows = Math.Clamp((sourceRows - g.KernelH) / g.StrideH + 1, 1, bandRows);
        int bands = (g.OutHeight + bandRows - 1) / bandRows, tasks = g.N * bands;
        // the weights transposed per block of 8 channels: wT[b][t][j] = w[8b + j, t], so a tap's 8 weights are adjacent
        float[] wT = ArrayPool<float>.Shared.Rent(g.OutChannels * patch);
        try
        {
            for (int k = 0; k < g.OutChannels; k++)
                for (int t = 0; t < patch; t++) wT[(k / Block * patch + t) * Block + k % Block] = w[k * patch + t];
            fixed (float* px0 = x, pwt0 = wT, pb0 = bias, pz0 = residual, py0 = y)
            {
                float* px = px0, pwt = pwt0, pb = pb0, pz = pz0, py = py0;
                void Task(int task)
                {
                    int n = task / bands, oy0 = task % bands * bandRows, oy1 = Math.Min(geo.OutHeight, oy0 + bandRows);
                    long inImage = (long)geo.InChannels * geo.InHeight * geo.InWidth, outImage = (long)geo.OutChannels * geo.OutHeight * geo.OutWidth;
                    Band(geo, px + n * inImage, pwt, hasBias ? pb : null, pz == null ? null : pz + n * outImage,
                        finish ? stage : null, py + n * outImage, oy0, oy1);
                }
                if (tasks == 1 || threads == 1) for (int t = 0; t < tasks; t++) Task(t);
                else Parallelism.For(tasks, Task);
            }
        }
        finally
        {
            ArrayPool<float>.Shared.Return(wT);
        }
    }

    // output rows [oy0, oy1) of one image, every output channel
    private static void Band(in ConvGeometry g, float* x, float* wT, float* bias, float* z, ConvOutputStage? stage, float* y, int oy0, int oy1)
    {
        int sh = g.StrideH, sw = g.StrideW, kh = g.KernelH, kw = g.KernelW, cin = g.InChannels, ow = g.OutWidth, oh = g.OutHeight;
        int patch = g.PatchSize, plane = oh * ow, kc = Gemm.Gemm.KBlockDepth(patch);
        // source rows of the band and their width: the columns the last 16-lane block reads (ox up to a multiple of 16,
        // plus the taps' reach), all written (zeros outside the input)
        int rows = (oy1 - oy0 - 1) * sh + kh, width = (ow + Lanes - 1) / Lanes * Lanes + (kw - 1) / sw;
        int phasePlane = rows * width, channelPlane = sw * phasePlane;
        int length = cin * channelPlane;
        float[] rented = ArrayPool<float>.Shared.Rent(length);
        int* tapOffset = stackalloc int[patch];
        for (int c = 0, t = 0; c < cin; c++)
            for (int a = 0; a < kh; a++)
                for (int b = 0; b < kw; b++, t++) tapOffset[t] = c * channelPlane + b % sw * phasePlane + a * width + b / sw;
        try
        {
            fixed (float* src = rented)
            {
                Fill(g, x, src, oy0, rows, width);
                var lane = Vector512.Create(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
                for (int k0 = 0; k0 < g.OutChannels; k0 += Block)
                {
                    float* wb = wT + (long)k0 * patch;
                    // units of 16 columns of one output row, row by row, taken in pairs: each weight broadcast then
                    // feeds two FMAs (the next 16 columns, or the next row when a row is one unit)
                    int perRow = (ow + Lanes - 1) / Lanes, units = (oy1 - oy0) * perRow;
                    for (int u = 0; u < units; u += 2)
                    {
                        int r0 = u / perRow, ox0 = u % perRow * Lanes;
                        float* s0 = src + r0 * sh * width + ox0;
                        float* y0 = y + (long)k0 * plane + (long)(oy0 + r0) * ow + ox0;
                        var m0 = Vector512.LessThan(lane, Vector512.Create(ow - ox0)).AsSingle();
                        if (u + 1 == units)
                        {
                            for (int t0 = 0; t0 < patch; t0 += kc)
                                Tile(s0, tapOffset + t0, Math.Min(kc, patch - t0), wb + t0 * Block, y0, plane, m0, t0 > 0);
                            continue;
                        }
                        int r1 = (u + 1) / perRow, ox1 = (u + 1) % perRow * Lanes;
                        var m1 = Vector512.LessThan(lane, Vector512.Create(ow - ox1)).AsSingle();
                        float* s1 = src + r1 * sh * width + ox1, y1 = y + (long)k0 * plane + (long)(oy0 + r1) * ow + ox1;
                        for (int t0 = 0; t0 < patch; t0 += kc)
                            Tile2(s0, s1, tapOffset + t0, Math.Min(kc, patch - t0), wb + t0 * Block, y0, y1, plane, m0, m1, t0 > 0);
                    }
                    if (stage is null) continue;
                    for (int j = 0; j < Block; j++)
                    {
                        long at = (long)(k0 + j) * plane + (long)oy0 * ow;
                        stage.ApplyRow(y + at, (oy1 - oy0) * ow, bias != null, bias == null ? 0f : bias[k0 + j], z == null ? null : z + at);
                    }
                }
            }
        }
        finally
        {
            ArrayPool<float>.Shared.Return(rented);
        }
    }

    // 8 channels × 16 columns: acc[j] = Σ_t wT[t][j] · s[tapOffset[t] + lane], stored where mask is set (rows of y plane apart)
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Tile(float* s, int* tapOffset, int patch, float* wT, float* y, int plane, Vector512<float> mask, bool add)
    {
        Vector512<float> a0 = default, a1 = default, a2 = default, a3 = default, a4 = default, a5 = default, a6 = default, a7 = default;
        for (int t = 0; t < patch; t++)
        {
            var v = Avx512F.LoadVector512(s + tapOffset[t]);
            float* wt = wT + t * Block;
            a0 = Avx512F.FusedMultiplyAdd(Vector512.Create(wt[0]), v, a0);
            a1 = Avx512F.FusedMultiplyAdd(Vector512.Create(wt[1]), v, a1);
            a2 = Avx512F.FusedMultiplyAdd(Vector512.Create(wt[2]), v, a2);
            a3 = Avx512F.FusedMultiplyAdd(Vector512.Create(wt[3]), v, a3);
            a4 = Avx512F.FusedMultiplyAdd(Vector512.Create(wt[4]), v, a4);
            a5 = Avx512F.FusedMultiplyAdd(Vector512.Create(wt[5]), v, a5);
            a6 = Avx512F.FusedMultiplyAdd(Vector512.Create(wt[6]), v, a6);
            a7 = Avx512F.FusedMultiplyAdd(Vector512.Create(wt[7]), v, a7);
        }
        Store8(y, plane, mask, a0, a1, a2, a3, a4, a5, a6, a7, add);
    }

    // two units (s0 → y0, s1 → y1) of 8 channels × 16 columns: 16 accumulators, each broadcast weight used twice
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Tile2(float* s0, float* s1, int* tapOffset, int patch, float* wT, float* y0, float* y1, int plane,
        Vector512<float> m0, Vector512<float> m1, bool add)
    {
        Vector512<float> a0 = default, a1 = default, a2 = default, a3 = default, a4 = default, a5 = default, a6 = default, a7 = default;
        Vector512<float> b0 = default, b1 = default, b2 = default, b3 = default, b4 = default, b5 = default, b6 = default, b7 = default;
        for (int t = 0; t < patch; t++)
        {
            int o = tapOffset[t];
            var u = Avx512F.LoadVector512(s0 + o);
            var v = Avx512F.LoadVector512(s1 + o);
            float* wt = wT + t * Block;
            var w0 = Vector512.Create(wt[0]);
            a0 = Avx512F.FusedMultiplyAdd(w0, u, a0);
            b0 = Avx512F.FusedMultiplyAdd(w0, v, b0);
            var w1 = Vector512.Create(wt[1]);
            a1 = Avx512F.FusedMultiplyAdd(w1, u, a1);
            b1 = Avx512F.FusedMultiplyAdd(w1, v, b1);
            var w2 = Vector512.Create(wt[2]);
            a2 = Avx512F.FusedMultiplyAdd(w2, u, a2);
            b2 = Avx512F.FusedMultiplyAdd(w2, v, b2);
            var w3 = Vector512.Create(wt[3]);
            a3 = Avx512F.FusedMultiplyAdd(w3, u, a3);
            b3 = Avx512F.FusedMultiplyAdd(w3, v, b3);
            var w4 = Vector512.Create(wt[4]);
            a4 = Avx512F.FusedMultiplyAdd(w4, u, a4);
            b4 = Avx512F.FusedMultiplyAdd(w4, v, b4);
            var w5 = Vector512.Create(wt[5]);
            a5 = Avx512F.FusedMultiplyAdd(w5, u, a5);
            b5 = Avx512F.FusedMultiplyAdd(w5, v, b5);
            var w6 = Vector512.Create(wt[6]);
            a6 = Avx512F.FusedMultiplyAdd(w6, u, a6);
            b6 = Avx512F.FusedMultiplyAdd(w6, v, b6);
            var w7 = Vector512.Create(wt[7]);
            a7 = Avx512F.FusedMultiplyAdd(w7, u, a7);
            b7 = Avx512F.FusedMultiplyAdd(w7, v, b7);
        }
        Store8(y0, plane, m0, a0, a1, a2, a3, a4, a5, a6, a7, add);
        Store8(y1, plane, m1, b0, b1, b2, b3, b4, b5, b6, b7, add);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Store8(float* y, int plane, Vector512<float> mask, Vector512<float> a0, Vector512<float> a1, Vector512<float> a2,
        Vector512<float> a3, Vector512<float> a4, Vector512<float> a5, Vector512<float> a6, Vector512<float> a7, bool add)
    {
        if (add)
        {
            // a later k block: the block's sums plus the earlier ones, rounded once (the GEMM's β = 1 update)
            a0 += Avx512F.MaskLoad(y, mask, Vector512<float>.Zero);
            a1 += Avx512F.MaskLoad(y + plane, mask, Vector512<float>.Zero);
            a2 += Avx512F.MaskLoad(y + 2L * plane, mask, Vector512<float>.Zero);
            a3 += Avx512F.MaskLoad(y + 3L * plane, mask, Vector512<float>.Zero);
            a4 += Avx512F.MaskLoad(y + 4L * plane, mask, Vector512<float>.Zero);
            a5 += Avx512F.MaskLoad(y + 5L * plane, mask, Vector512<float>.Zero);
            a6 += Avx512F.MaskLoad(y + 6L * plane, mask, Vector512<float>.Zero);
            a7 += Avx512F.MaskLoad(y + 7L * plane, mask, Vector512<float>.Zero);
        }
        Avx512F.MaskStore(y, mask, a0);
        Avx512F.MaskStore(y + plane, mask, a1);
        Avx512F.MaskStore(y + 2L * plane, mask, a2);
        Avx512F.MaskStore(y + 3L * plane, mask, a3);
        Avx512F.MaskStore(y + 4L * plane, mask, a4);
        Avx512F.MaskStore(y + 5L * plane, mask, a5);
        Avx512F.MaskStore(y + 6L * plane, mask, a6);
        Avx512F.MaskStore(y + 7L * plane, mask, a7);
    }

    // src[c][φ][r][q] = x[c][oy0·sH − padTop + r][q·sW + φ − padLeft], zero outside the input
    private static void Fill(in ConvGeometry g, float* x, float* src, int oy0, int rows, int width)
    {
        int sh = g.StrideH, sw = g.StrideW, h = g.InHeight, wd = g.InWidth, hw = h * wd;
        int phasePlane = rows * width, iyTop = oy0 * sh - g.PadTop;
        for (int c = 0; c < g.InChannels; c++)
        {
            for (int phase = 0; phase < sw; phase++)
            {
                // columns q whose source ix = q·sW + φ − padLeft lies in [0, W)
                int first = phase - g.PadLeft, qLo = first >= 0 ? 0 : (-first + sw - 1) / sw;
                int qHi = Math.Clamp((wd - 1 - first) / sw + 1, qLo, width);
                if (wd - 1 - first < 0) qHi = qLo;
                for (int r = 0; r < rows; r++)
                {
                    float* d = src + ((long)c * sw + phase) * phasePlane + (long)r * width;
                    int iy = iyTop + r;
                    if ((uint)iy >= (uint)h || qHi <= qLo)
                    {
                        new Span<float>(d, width).Clear();
                        continue;
                    }
                    new Span<float>(d, qLo).Clear();
                    float* s = x + (long)c * hw + (long)iy * wd + qLo * sw + first;
                    if (sw == 1) new ReadOnlySpan<float>(s, qHi - qLo).CopyTo(new Span<float>(d + qLo, qHi - qLo));
                    else Im2ColPanels.GatherStride2(s, qHi - qLo, d + qLo);
                    new Span<float>(d + qHi, width - qHi).Clear();
                }
            }
        }
    }
}
