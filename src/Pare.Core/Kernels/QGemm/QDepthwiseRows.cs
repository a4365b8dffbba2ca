using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Pare.Core.Kernels.QGemm;

/// <summary>The AVX-512BW body of <see cref="QDepthwiseConv"/> for unit column dilation and column stride 1 or 2:
/// one channel at a time, every output column in blocks of 32, two kernel taps per vpmaddwd, no shuffles in the
/// tap loop.</summary>
/// <remarks>
/// The channel's plane is first widened to int16 in a padded scratch plane whose border columns hold the zero point
/// xz, so every output column reads in-bounds values: a padded tap adds xz·w, which the constant −xz·Σw over the
/// row's in-bounds kernel rows cancels (int32 wraps alike, so the sum equals the centred one bit for bit). Kernel
/// rows outside the image are skipped, as in the reference.
/// <para>Taps go in pairs (k, k+1) against the broadcast int16 pair (w_k, w_k+1) (an odd last tap pairs with a zero
/// weight). Output o of a row needs the words x[s·o + k] and x[s·o + k + 1], a dword of the widened row:
/// with stride 2 they are dword o of the row read from word k, so one plain load feeds vpmaddwd for 16 consecutive
/// outputs; with stride 1 dword j of the row read from word k serves the even output 2j, and read from word k + 1
/// the odd output 2j + 1, so two loads serve 32 outputs as an even and an odd accumulator, interleaved once at the
/// end of the block (vpermt2d). vpmaddwd is exact here: |x·w| ≤ 255·510 and two products fit int32. The finished
/// row goes through the shared requantizing epilogue (<see cref="QGemmEpilogue.WriteRow"/>).</para>
/// </remarks>
internal static unsafe class QDepthwiseRows
{
    private const int Block = 32;

    [ThreadStatic] private static short[]? _plane;
    [ThreadStatic] private static int[]? _row;

    /// <summary>Whether this body runs <paramref name="g"/>: AVX-512BW exists, the column stride is 1 or 2 with no
    /// column dilation, the padding is not negative, the zero point is a byte (it fills the padding) and the centred
    /// weights fit int16.</summary>
    /// <param name="g">geometry</param>
    /// <param name="xZero">x's zero point</param>
    /// <param name="weights">(C, kH, kW) centred weights</param>
    /// <returns>true when <see cref="Channel"/> may run it</returns>
    public static bool Fits(QDepthwiseGeometry g, int xZero, ReadOnlySpan<int> weights)
    {
        if (!Avx512BW.IsSupported || xZero is < 0 or > 255) return false;
        if (g.PadLeft < 0 || g.PadTop < 0 || g.StrideW is not (1 or 2) || g.DilationW != 1 || g.StrideH < 1 || g.DilationH < 1) return false;
        foreach (int w in weights)
            if (w < short.MinValue || w > short.MaxValue) return false;
        return true;
    }

    /// <summary>Per channel and kernel row: the tap pairs as int32 (low half w_k, high half w_k+1; a missing last
    /// tap is 0) and the row's weight sum.</summary>
    /// <param name="g">geometry</param>
    /// <param name="weights">(C, kH, kW) centred weights, each within int16</param>
    /// <param name="pairs">(C, kH, ⌈kW/2⌉) packed pairs</param>
    /// <param name="rowSums">(C, kH) Σ_kx w</param>
    public static void PackWeights(QDepthwiseGeometry g, ReadOnlySpan<int> weights, Span<int> pairs, Span<int> rowSums)
    {
        int kw = g.KernelW, np = (kw + 1) / 2;
        for (int r = 0; r < g.Channels * g.KernelH; r++)
        {
            int sum = 0;
            for (int p = 0; p < np; p++)
            {
                int w0 = weights[r * kw + 2 * p], w1 = 2 * p + 1 < kw ? weights[r * kw + 2 * p + 1] : 0;
                pairs[r * np + p] = (ushort)(short)w0 | (w1 << 16);
                sum += w0 + w1;
            }
            rowSums[r] = sum;
        }
    }

    /// <summary>Runs one channel.</summary>
    /// <param name="g">geometry</param>
    /// <param name="x">the channel's (H, W) input plane</param>
    /// <param name="xZero">x's zero point (0..255)</param>
    /// <param name="pairs">the channel's (kH, ⌈kW/2⌉) weight pairs</param>
    /// <param name="rowSums">the channel's kH weight row sums</param>
    /// <param name="bias">the channel's int32 bias</param>
    /// <param name="epilogue">writes the channel's (outH, outW) output rows</param>
    public static void Channel(QDepthwiseGeometry g, byte* x, int xZero, int* pairs, int* rowSums, int bias, in QGemmEpilogue epilogue)
    {
        int np = (g.KernelW + 1) / 2, blocks = (g.OutW + Block - 1) / Block, blockStep = Block * g.StrideW;
        // a padded row: xz, the W input values, then xz up to past the last block's furthest 32-word load
        int rowLength = Math.Max(g.PadLeft + g.W, (blocks - 1) * blockStep + 2 * np + 1 + (g.StrideW == 2 ? 64 : 32));
        rowLength = (rowLength + 31) & ~31;
        var plane = _plane is { } pl && pl.Length >= g.H * rowLength ? pl : _plane = GC.AllocateUninitializedArray<short>(Math.Max(g.H * rowLength, 4096), pinned: true);
        var accRow = _row is { } r && r.Length >= blocks * Block ? r : _row = GC.AllocateUninitializedArray<int>(Math.Max(blocks * Block, 256), pinned: true);
        short* pp = (short*)Unsafe.AsPointer(ref plane[0]);
        int* acc = (int*)Unsafe.AsPointer(ref accRow[0]);
        for (int iy = 0; iy < g.H; iy++) Widen(x + (long)iy * g.W, g.W, g.PadLeft, (short)xZero, pp + (long)iy * rowLength, rowLength);
        // whole 32-column blocks requantize in registers (finite multiplier); the rest through the epilogue
        int fused = epilogue.Kind == QGemmEpilogue.Output.Quantized && epilogue.FiniteScales && epilogue.IntBias is null && epilogue.ColStride == 1
            ? g.OutW / Block : 0;
        var rows = new Rows
        {
            Plane = pp, RowLength = rowLength, Pairs = pairs, Acc = acc, Blocks = blocks, BlockStep = blockStep, PairCount = np, Fused = fused,
            Multiplier = epilogue.Scales[0], ZeroPoint = epilogue.ZeroPoint, Lo = epilogue.Lo, Hi = epilogue.Hi,
        };
        for (int oy = 0; oy < g.OutH; oy++)
        {
            // the kernel rows inside the image
            int iy0 = oy * g.StrideH - g.PadTop, ky0 = 0, ky1 = g.KernelH;
            while (ky0 < ky1 && iy0 + ky0 * g.DilationH < 0) ky0++;
            while (ky1 > ky0 && iy0 + (ky1 - 1) * g.DilationH >= g.H) ky1--;
            int wsum = 0;
            for (int ky = ky0; ky < ky1; ky++) wsum += rowSums[ky];
            int start = unchecked(bias - xZero * wsum);
            bool even = g.StrideW == 1;
            byte* y = (byte*)epilogue.Y + oy * epilogue.RowStride;
            switch (np)
            {
                case 1: rows.Run<One>(iy0, ky0, ky1, g.DilationH, start, even, y); break;
                case 2: rows.Run<Two>(iy0, ky0, ky1, g.DilationH, start, even, y); break;
                case 3: rows.Run<Three>(iy0, ky0, ky1, g.DilationH, start, even, y); break;
                default: rows.Run<Many>(iy0, ky0, ky1, g.DilationH, start, even, y); break;
            }
            int done = fused * Block;
            if (done < g.OutW) epilogue.WriteRow(oy, done, g.OutW - done, acc + done);
        }
    }

    // dst[0..length) = xz ×padLeft, the w bytes of src zero-extended, xz to the end
    private static void Widen(byte* src, int w, int padLeft, short xz, short* dst, int length)
    {
        new Span<short>(dst, padLeft).Fill(xz);
        short* d = dst + padLeft;
        int i = 0;
        for (; i + 32 <= w; i += 32) Avx512BW.ConvertToVector512Int16(Vector256.Load(src + i)).Store(d + i);
        for (; i < w; i++) d[i] = src[i];
        new Span<short>(d + w, length - padLeft - w).Fill(xz);
    }

    // tap pairs per kernel row as a type, so that Rows.Run's pair steps unroll at JIT time (Many: the rest loops)
    private interface IPairCount { static abstract int N { get; } }
    private struct One : IPairCount { public static int N => 1; }
    private struct Two : IPairCount { public static int N => 2; }
    private struct Three : IPairCount { public static int N => 3; }
    private struct Many : IPairCount { public static int N => 4; }

    private struct Rows
    {
        public short* Plane;
        public int* Pairs, Acc;
        public int RowLength, Blocks, BlockStep, PairCount, Fused, ZeroPoint, Lo, Hi;
        public float Multiplier;

        // acc[0 .. 32·Blocks) = start + Σ over kernel rows [ky0, ky1) of the row's tap pairs. Two accumulators per
        // block: stride 1 (even) the even and the odd outputs, read one word apart; stride 2 the first and the
        // second 16 outputs, read 32 words apart. The first Fused blocks are requantized into y; the rest stay in acc.
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public readonly void Run<TP>(int iy0, int ky0, int ky1, int dilation, int start, bool even, byte* y) where TP : struct, IPairCount
        {
            var m = Vector512.Create((double)Multiplier);
            var lo = Vector512.Create((double)(Lo - ZeroPoint));
            var hi = Vector512.Create((double)(Hi - ZeroPoint));
            var zp = Vector512.Create(ZeroPoint);
            var vs = Vector512.Create(start);
            int np = PairCount, second = even ? 1 : 32;
            long rowStep = (long)dilation * RowLength;
            var lowIdx = Vector512.Create(0, 16, 1, 17, 2, 18, 3, 19, 4, 20, 5, 21, 6, 22, 7, 23);
            var highIdx = Vector512.Create(8, 24, 9, 25, 10, 26, 11, 27, 12, 28, 13, 29, 14, 30, 15, 31);
            for (int b = 0; b < Blocks; b++)
            {
                var v0 = vs;
                var v1 = vs;
                short* src = Plane + (long)b * BlockStep + (iy0 + ky0 * dilation) * (long)RowLength;
                int* wp = Pairs + ky0 * np;
                for (int ky = ky0; ky < ky1; ky++, src += rowStep, wp += np)
                {
                    Step(ref v0, ref v1, src, second, wp[0]);
                    if (TP.N > 1) Step(ref v0, ref v1, src + 2, second, wp[1]);
                    if (TP.N > 2) Step(ref v0, ref v1, src + 4, second, wp[2]);
                    if (TP.N > 3)
                        for (int p = 3; p < np; p++) Step(ref v0, ref v1, src + 2 * p, second, wp[p]);
                }
                if (even)
                {
                    var t = v0;
                    v0 = Avx512F.PermuteVar16x32x2(t, lowIdx, v1);
                    v1 = Avx512F.PermuteVar16x32x2(t, highIdx, v1);
                }
                if (b < Fused)
                {
                    Quantize(v0, m, lo, hi, zp).Store(y + b * Block);
                    Quantize(v1, m, lo, hi, zp).Store(y + b * Block + 16);
                }
                else
                {
                    v0.Store(Acc + b * Block);
                    v1.Store(Acc + b * Block + 16);
                }
            }
        }

        // the epilogue's requantization (QGemmEpilogue.Quantize16) with one multiplier for all lanes
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static Vector128<byte> Quantize(Vector512<int> a, Vector512<double> m, Vector512<double> lo, Vector512<double> hi, Vector512<int> zp) =>
            QGemmEpilogue.Quantize16(a, m, m, lo, hi, zp);

        // v0 += vpmaddwd(words at src, (w_k, w_k+1)); v1 likewise from src + second
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static void Step(ref Vector512<int> v0, ref Vector512<int> v1, short* src, int second, int pair)
        {
            var w = Vector512.Create(pair).AsInt16();
            v0 = Avx512F.Add(v0, Avx512BW.MultiplyAddAdjacent(Vector512.Load(src), w));
            v1 = Avx512F.Add(v1, Avx512BW.MultiplyAddAdjacent(Vector512.Load(src + second), w));
        }
    }
}
