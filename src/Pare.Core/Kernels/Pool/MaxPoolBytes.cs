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
