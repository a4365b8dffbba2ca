using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Pare.Core.Kernels.Pool;

/// <summary>Max pooling with a 2×2 window, stride 2, no padding or dilation (the CNN downsampling layer) on SIMD
/// registers: 8 (AVX2) or 4 (SSE) windows at a time, their four taps de-interleaved from the two input rows, and the
/// scalar kernel's branches (unpredictable on real data: a mispredict per window or so) replaced by blends. The
/// taps are taken in the scalar kernel's order with its rule (a later tap wins when greater or NaN), so values and
/// argmax are identical to it. A row's last chunk overlaps the one before instead of running a scalar tail.</summary>
internal static unsafe class MaxPool2x2
{
    /// <summary>Whether the fast path takes the geometry on this CPU.</summary>
    public static bool Applies(in PoolGeometry g) =>
        Sse2.IsSupported && g.KernelH == 2 && g.KernelW == 2 && g.StrideH == 2 && g.StrideW == 2 && g.PadH == 0 && g.PadW == 0 &&
        g.DilationH == 1 && g.DilationW == 1 && g.OutWidth >= 4 && 2 * g.OutWidth <= g.InWidth && 2 * g.OutHeight <= g.InHeight;

    /// <summary>One plane.</summary>
    /// <param name="g">geometry (<see cref="Applies"/>)</param>
    /// <param name="x">(H, W)</param>
    /// <param name="y">(OutH, OutW)</param>
    /// <param name="argmax">(OutH, OutW), iy·W + ix</param>
    public static void Plane(in PoolGeometry g, float* x, float* y, int* argmax)
    {
        int ow = g.OutWidth, oh = g.OutHeight, w = g.InWidth; // (the sizes are computed, with divisions)
        int step = Avx2.IsSupported && ow >= 8 ? 8 : 4;
        for (int oy = 0; oy < oh; oy++)
        {
            int row = 2 * oy * w;
            for (int ox = 0; ; ox += step)
            {
                int o = Math.Min(ox, ow - step); // the last chunk overlaps the previous one
                if (step == 8) Windows8(x, row, w, o, y + oy * ow + o, argmax + oy * ow + o);
                else Windows4(x, row, w, o, y + oy * ow + o, argmax + oy * ow + o);
                if (o + step >= ow) break;
            }
        }
    }

    // windows ox..ox+7 of the row pair starting at index row
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Windows8(float* x, int row, int w, int ox, float* y, int* argmax)
    {
        var order = Vector256.Create(0, 2, 4, 6, 1, 3, 5, 7);
        float* r0 = x + row + 2 * ox, r1 = r0 + w;
        // a row's 16 values → evens (tap 0 of each window) and odds (tap 1)
        var a = Avx2.PermuteVar8x32(Avx.LoadVector256(r0), order);
        var b = Avx2.PermuteVar8x32(Avx.LoadVector256(r0 + 8), order);
        var c = Avx2.PermuteVar8x32(Avx.LoadVector256(r1), order);
        var d = Avx2.PermuteVar8x32(Avx.LoadVector256(r1 + 8), order);
        var t00 = Avx.Permute2x128(a, b, 0x20);
        var t01 = Avx.Permute2x128(a, b, 0x31);
        var t10 = Avx.Permute2x128(c, d, 0x20);
        var t11 = Avx.Permute2x128(c, d, 0x31);
        var at = Vector256.Create(row + 2 * ox) + Vector256.Create(0, 2, 4, 6, 8, 10, 12, 14);
        var best = t00;
        var bestAt = at.AsSingle();
        Take8(t01, (at + Vector256<int>.One).AsSingle(), ref best, ref bestAt);
        Take8(t10, (at + Vector256.Create(w)).AsSingle(), ref best, ref bestAt);
        Take8(t11, (at + Vector256.Create(w + 1)).AsSingle(), ref best, ref bestAt);
        Avx.Store(y, best);
        Avx.Store((float*)argmax, bestAt);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Take8(Vector256<float> v, Vector256<float> at, ref Vector256<float> best, ref Vector256<float> bestAt)
    {
        var wins = Avx.Or(Avx.CompareGreaterThan(v, best), Avx.CompareUnordered(v, v));
        best = Avx.BlendVariable(best, v, wins);
        bestAt = Avx.BlendVariable(bestAt, at, wins);
    }

    // windows ox..ox+3 of the row pair starting at index row
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Windows4(float* x, int row, int w, int ox, float* y, int* argmax)
    {
        float* r0 = x + row + 2 * ox, r1 = r0 + w;
        Vector128<float> a = Sse.LoadVector128(r0), b = Sse.LoadVector128(r0 + 4);
        Vector128<float> c = Sse.LoadVector128(r1), d = Sse.LoadVector128(r1 + 4);
        var t00 = Sse.Shuffle(a, b, 0b10_00_10_00);
        var t01 = Sse.Shuffle(a, b, 0b11_01_11_01);
        var t10 = Sse.Shuffle(c, d, 0b10_00_10_00);
        var t11 = Sse.Shuffle(c, d, 0b11_01_11_01);
        var at = Sse2.Add(Vector128.Create(row + 2 * ox), Vector128.Create(0, 2, 4, 6));
        var best = t00;
        var bestAt = at.AsSingle();
        Take4(t01, Sse2.Add(at, Vector128.Create(1)).AsSingle(), ref best, ref bestAt);
        Take4(t10, Sse2.Add(at, Vector128.Create(w)).AsSingle(), ref best, ref bestAt);
        Take4(t11, Sse2.Add(at, Vector128.Create(w + 1)).AsSingle(), ref best, ref bestAt);
        Sse.Store(y, best);
        Sse.Store((float*)argmax, bestAt);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Take4(Vector128<float> v, Vector128<float> at, ref Vector128<float> best, ref Vector128<float> bestAt)
    {
        // SSE2 has no blend: (wins & new) | (~wins & old)
        var wins = Sse.Or(Sse.CompareGreaterThan(v, best), Sse.CompareUnordered(v, v));
        best = Sse.Or(Sse.And(wins, v), Sse.AndNot(wins, best));
        bestAt = Sse.Or(Sse.And(wins, at), Sse.AndNot(wins, bestAt));
    }
}
