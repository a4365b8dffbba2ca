using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace Pare.Core.Kernels.Pool;

/// <summary>2×2 stride-2 max pooling (floor mode, no padding) of one NHWC image of 8-bit values: each output pixel is
/// the byte-wise max of four C-byte rows, a vector of channels per step (vpmaxub / vpmaxsb). Used by the int8 conv
/// before its NHWC → NCHW transpose.</summary>
public static class MaxPoolBytesNhwc
{
    /// <summary>y[oy, ox, c] = max over dy, dx ∈ {0, 1} of x[2·oy + dy, 2·ox + dx, c].</summary>
    /// <param name="x">(H, W, C) bytes</param>
    /// <param name="h">H</param>
    /// <param name="w">W</param>
    /// <param name="channels">C</param>
    /// <param name="signedValues">the bytes are int8 (else uint8)</param>
    /// <param name="y">(H/2, W/2, C) bytes</param>
    public static void Pool2x2(ReadOnlySpan<byte> x, int h, int w, int channels, bool signedValues, Span<byte> y)
    {
        int ph = h / 2, pw = w / 2;
        if (x.Length < h * w * channels || y.Length < ph * pw * channels) throw new ArgumentException("max pool NHWC: buffers too small");
        for (int oy = 0; oy < ph; oy++)
            for (int ox = 0; ox < pw; ox++)
            {
                var a = x.Slice(((2 * oy) * w + 2 * ox) * channels, channels);
                var b = x.Slice(((2 * oy) * w + 2 * ox + 1) * channels, channels);
                var c = x.Slice(((2 * oy + 1) * w + 2 * ox) * channels, channels);
                var d = x.Slice(((2 * oy + 1) * w + 2 * ox + 1) * channels, channels);
                var o = y.Slice((oy * pw + ox) * channels, channels);
                if (signedValues) Max4(MemoryMarshal.Cast<byte, sbyte>(a), MemoryMarshal.Cast<byte, sbyte>(b), MemoryMarshal.Cast<byte, sbyte>(c),
                    MemoryMarshal.Cast<byte, sbyte>(d), MemoryMarshal.Cast<byte, sbyte>(o));
                else Max4(a, b, c, d, o);
            }
    }

    // o = max(a, b, c, d) element-wise: 32 lanes per step, then the scalar rest
    private static void Max4<T>(ReadOnlySpan<T> a, ReadOnlySpan<T> b, ReadOnlySpan<T> c, ReadOnlySpan<T> d, Span<T> o)
        where T : unmanaged, IComparable<T>
    {
        int j = 0;
        if (Vector256.IsHardwareAccelerated)
            for (; j + Vector256<T>.Count <= o.Length; j += Vector256<T>.Count)
                Vector256.Max(Vector256.Max(Vector256.Create(a.Slice(j)), Vector256.Create(b.Slice(j))),
                    Vector256.Max(Vector256.Create(c.Slice(j)), Vector256.Create(d.Slice(j)))).CopyTo(o.Slice(j));
        for (; j < o.Length; j++)
        {
            T m = a[j];
            if (b[j].CompareTo(m) > 0) m = b[j];
            if (c[j].CompareTo(m) > 0) m = c[j];
            if (d[j].CompareTo(m) > 0) m = d[j];
            o[j] = m;
        }
    }
}
