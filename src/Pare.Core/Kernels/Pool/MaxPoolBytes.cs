using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Pare.Core.Kernels.Pool;

/// <summary>2-D max pooling of 8-bit planes without padding (floor mode, dilation 1): the int8/uint8 MaxPool of
/// quantized models, which otherwise widens to float and back. uint8 compares as is; int8 as its byte ⊕ 0x80 (an
/// order-preserving map onto uint8), so one loop serves both.</summary>
public static class MaxPoolBytes
{
    /// <summary>y[p, oy, ox] = max over the kH×kW window at (oy·sH, ox·sW) of plane p.</summary>
    /// <param name="x">(P, H, W) bytes</param>
    /// <param name="planes">P</param>
    /// <param name="h">H</param>
    /// <param name="w">W</param>
    /// <param name="kh">window height</param>
    /// <param name="kw">window width</param>
    /// <param name="sh">vertical stride</param>
    /// <param name="sw">horizontal stride</param>
    /// <param name="signedValues">the bytes are int8</param>
    /// <param name="y">(P, (H − kH)/sH + 1, (W − kW)/sW + 1)</param>
    public static void Run(ReadOnlySpan<byte> x, int planes, int h, int w, int kh, int kw, int sh, int sw, bool signedValues, Span<byte> y)
    {
        if (kh < 1 || kw < 1 || sh < 1 || sw < 1 || kh > h || kw > w) throw new ArgumentException($"max pool: window {kh}×{kw} stride {sh}×{sw} on {h}×{w}");
        int outH = (h - kh) / sh + 1, outW = (w - kw) / sw + 1;
        if (x.Length < planes * h * w || y.Length < planes * outH * outW) throw new ArgumentException("max pool: buffers too small");
        byte flip = signedValues ? (byte)0x80 : (byte)0;
        if (kh == 2 && kw == 2 && sh == 2 && sw == 2 && w % 2 == 0 && w <= ChunkBytes)
        {
            Pool2x2(x, planes, h, w, signedValues, y);
            return;
        }
        Span<byte> rowMax = w <= 4096 ? stackalloc byte[w] : new byte[w];
        for (int p = 0; p < planes; p++)
        {
            var plane = x.Slice(p * h * w, h * w);
            var outPlane = y.Slice(p * outH * outW, outH * outW);
            for (int oy = 0; oy < outH; oy++)
            {
                // vertical max of the window's rows (vectorized by the span helpers' loop), then horizontal windows
                plane.Slice(oy * sh * w, w).CopyTo(rowMax);
                if (flip != 0) Flip(rowMax);
                for (int ky = 1; ky < kh; ky++)
                {
                    var row = plane.Slice((oy * sh + ky) * w, w);
                    if (flip == 0) System.Numerics.Tensors.TensorPrimitives.Max(rowMax, row, rowMax);
                    else for (int i = 0; i < w; i++) rowMax[i] = Math.Max(rowMax[i], (byte)(row[i] ^ 0x80));
                }
                var outRow = outPlane.Slice(oy * outW, outW);
                int ox = 0;
                if (kw == 2 && sw == 2 && Avx2.IsSupported) ox = Pairs(rowMax, outRow, flip);
                for (; ox < outW; ox++)
                {
                    int at = ox * sw;
                    byte m = rowMax[at];
                    for (int kx = 1; kx < kw; kx++) m = Math.Max(m, rowMax[at + kx]);
                    outRow[ox] = (byte)(m ^ flip);
                }
            }
        }
    }

    private const int ChunkBytes = 4096;

    // 2×2 windows, stride 2, even W (the pools of CNNs): per chunk of output rows of a plane, the vertical maxima of
    // the row pairs (whole vectors, the last one overlapping) into a buffer in unsigned byte order, then one flat
    // pass of horizontal pair maxima over the chunk — no pair straddles two rows when W is even
    private static unsafe void Pool2x2(ReadOnlySpan<byte> x, int planes, int h, int w, bool signedValues, Span<byte> y)
    {
        int outH = h / 2, outW = w / 2, chunkRows = ChunkBytes / w;
        byte flip = signedValues ? (byte)0x80 : (byte)0;
        byte* rows = stackalloc byte[ChunkBytes];
        fixed (byte* px = x)
        fixed (byte* py = y)
        {
            for (int p = 0; p < planes; p++)
                for (int oy0 = 0; oy0 < outH; oy0 += chunkRows)
                {
                    int n = Math.Min(chunkRows, outH - oy0);
                    byte* src = px + ((long)p * h + 2 * oy0) * w;
                    for (int r = 0; r < n; r++, src += 2 * w) VerticalMax(src, src + w, w, signedValues, rows + r * w);
                    PairMax(rows, n * w, flip, py + ((long)p * outH + oy0) * outW);
                }
        }
    }

    // m[i] = max(a[i], b[i]) for i < w, stored ⊕ 0x80 when the values are int8 (so that m is ordered as uint8)
    private static unsafe void VerticalMax(byte* a, byte* b, int w, bool signedValues, byte* m)
    {
        if (w >= 16 && Vector128.IsHardwareAccelerated)
        {
            var f = Vector128.Create(signedValues ? (byte)0x80 : (byte)0);
            for (int i = 0; ; i += 16)
            {
                if (i + 16 > w) i = w - 16;  // last vector overlaps the previous one
                var v = signedValues
                    ? Vector128.Max(Vector128.Load((sbyte*)a + i), Vector128.Load((sbyte*)b + i)).AsByte() ^ f
                    : Vector128.Max(Vector128.Load(a + i), Vector128.Load(b + i));
                v.Store(m + i);
                if (i + 16 >= w) break;
            }
            return;
        }
        if (w >= 8 && Vector128.IsHardwareAccelerated)
        {
            // 8 bytes at a time (the lower half of a vector), the last step overlapping
            var f = Vector128.Create(signedValues ? (byte)0x80 : (byte)0);
            for (int i = 0; ; i += 8)
            {
                if (i + 8 > w) i = w - 8;
                var va = Vector128.CreateScalar(*(ulong*)(a + i)).AsByte();
                var vb = Vector128.CreateScalar(*(ulong*)(b + i)).AsByte();
                var v = signedValues ? Vector128.Max(va.AsSByte(), vb.AsSByte()).AsByte() ^ f : Vector128.Max(va, vb);
                *(ulong*)(m + i) = v.AsUInt64().ToScalar();
                if (i + 8 >= w) break;
            }
            return;
        }
        for (int i = 0; i < w; i++)
            m[i] = signedValues ? (byte)(Math.Max((sbyte)a[i], (sbyte)b[i]) ^ 0x80) : Math.Max(a[i], b[i]);
    }

    // y[o] = max(v[2o], v[2o+1]) ⊕ flip for o < length/2: each 16-bit lane holds a pair; max(low byte, high byte),
    // two vectors narrowed into one
    private static unsafe void PairMax(byte* v, int length, byte flip, byte* y)
    {
        int o = 0, outputs = length / 2;
        if (Vector256.IsHardwareAccelerated)
        {
            var low = Vector256.Create((ushort)0xFF);
            var f = Vector256.Create(flip);
            for (; o + 32 <= outputs; o += 32)
            {
                var v0 = Vector256.Load((ushort*)(v + 2 * o));
                var v1 = Vector256.Load((ushort*)(v + 2 * o + 32));
                var m0 = Vector256.Max(v0 & low, v0 >>> 8);
                var m1 = Vector256.Max(v1 & low, v1 >>> 8);
                (Vector256.Narrow(m0, m1) ^ f).Store(y + o);
            }
        }
        if (Vector128.IsHardwareAccelerated)
        {
            var low = Vector128.Create((ushort)0xFF);
            var f = Vector128.Create(flip);
            for (; o + 16 <= outputs; o += 16)
            {
                var v0 = Vector128.Load((ushort*)(v + 2 * o));
                var v1 = Vector128.Load((ushort*)(v + 2 * o + 16));
                (Vector128.Narrow(Vector128.Max(v0 & low, v0 >>> 8), Vector128.Max(v1 & low, v1 >>> 8)) ^ f).Store(y + o);
            }
        }
        for (; o < outputs; o++) y[o] = (byte)(Math.Max(v[2 * o], v[2 * o + 1]) ^ flip);
    }

    // 2-wide stride-2 windows, 16 outputs per step: each 16-bit lane holds a pair; max(low byte, high byte), packed
    private static unsafe int Pairs(ReadOnlySpan<byte> rowMax, Span<byte> outRow, byte flip)
    {
        int ox = 0;
        var low = Vector256.Create((ushort)0xFF);
        var f = Vector128.Create(flip);
        fixed (byte* src = rowMax)
        fixed (byte* dst = outRow)
        {
            for (; ox + 16 <= outRow.Length && 2 * ox + 32 <= rowMax.Length; ox += 16)
            {
                var v = Avx.LoadVector256(src + 2 * ox).AsUInt16();
                var m = Avx2.Max(Avx2.And(v, low), Avx2.ShiftRightLogical(v, 8));
                var packed = Sse2.PackUnsignedSaturate(m.GetLower().AsInt16(), m.GetUpper().AsInt16());
                Sse2.Store(dst + ox, Sse2.Xor(packed, f));
            }
        }
        return ox;
    }

    private static void Flip(Span<byte> values)
    {
        for (int i = 0; i < values.Length; i++) values[i] ^= 0x80;
    }
}
