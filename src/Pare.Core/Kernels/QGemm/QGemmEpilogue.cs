using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Pare.Core.Kernels.QGemm;

/// <summary>What a <see cref="QGemm"/> call does with each centred int32 sum: store it, scale it to float, or
/// requantize it to 8 bits. Pointers into operands pinned for the whole call.</summary>
/// <remarks>Rows whose columns are contiguous in Y (column stride 1) go through <see cref="WriteRow"/>'s AVX2 body,
/// eight columns at a time, with the same arithmetic as the scalar <see cref="Write"/> (bit for bit: int32 wraps,
/// float products without FMA, the requantization in double with round-half-even), so every path agrees.</remarks>
internal unsafe struct QGemmEpilogue
{
    public enum Output { Int32, Float, Quantized }

    public Output Kind;
    public void* Y;
    public long RowStride, ColStride;
    public float* Scales;      // Float: per-column scale (1 or N); Quantized: multiplier (1 or N)
    public int ScaleCount;
    public float* FloatBias;   // Float: null or N values
    public int* IntBias;       // Quantized: null or N int32 values added before scaling
    public int ZeroPoint, Lo, Hi;

    /// <summary>Quantized: every multiplier is finite (the vector body clamps in double, which differs from the
    /// scalar conversion only for NaN products; non-finite multipliers keep the scalar path).</summary>
    public bool FiniteScales;

    /// <summary>Writes one centred sum of row i, column j.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public readonly void Write(int i, int j, int acc)
    {
        long at = i * RowStride + j * ColStride;
        switch (Kind)
        {
            case Output.Int32:
                ((int*)Y)[at] = acc;
                break;
            case Output.Float:
                float f = acc * Scales[ScaleCount == 1 ? 0 : j];
                ((float*)Y)[at] = FloatBias is null ? f : f + FloatBias[j];
                break;
            default:
                int q = QGemm.Requantize(IntBias is null ? acc : acc + IntBias[j], Scales[ScaleCount == 1 ? 0 : j], ZeroPoint, Lo, Hi);
                ((byte*)Y)[at] = (byte)q;
                break;
        }
    }

    /// <summary>Writes the centred sums <paramref name="acc"/>[0..cols) of row i, columns c0..c0+cols.</summary>
    public readonly void WriteRow(int i, int c0, int cols, int* acc)
    {
        int j = 0;
        if (ColStride == 1 && Avx2.IsSupported)
        {
            switch (Kind)
            {
                case Output.Int32:
                    for (int* y = (int*)Y + i * RowStride + c0; j + 8 <= cols; j += 8) Avx.Store(y + j, Avx.LoadVector256(acc + j));
                    break;
                case Output.Float:
                    j = FloatRow(i, c0, cols, acc);
                    break;
                default:
                    if (FiniteScales) j = QuantizedRow(i, c0, cols, acc);
                    break;
            }
        }
        for (; j < cols; j++) Write(i, c0 + j, acc[j]);
    }

    /// <summary>Writes a tile: rows i0..i0+rows of columns c0..c0+cols, row i's sums at acc + (i − i0)·accStride.
    /// Requantized tiles of whole 16-column blocks take the AVX-512 body with its constants, scales and bias loaded
    /// once per block for all rows; anything else goes row by row through <see cref="WriteRow"/>.</summary>
    public readonly void WriteTile(int i0, int rows, int c0, int cols, int* acc, int accStride)
    {
        if (Kind == Output.Quantized && ColStride == 1 && FiniteScales && cols % 16 == 0 && Avx512F.IsSupported)
        {
            QuantizedTile(i0, rows, c0, cols, acc, accStride);
            return;
        }
        for (int i = 0; i < rows; i++) WriteRow(i0 + i, c0, cols, acc + i * accStride);
    }

    // QuantizedRow's AVX-512 arithmetic, per 16-column block for every row of the tile
    private readonly void QuantizedTile(int i0, int rows, int c0, int cols, int* acc, int accStride)
    {
        var zp = Vector512.Create(ZeroPoint);
        var lo5 = Vector512.Create((double)Lo - ZeroPoint);
        var hi5 = Vector512.Create((double)Hi - ZeroPoint);
        var n0 = Vector512.Create((double)Scales[0]);
        var n1 = n0;
        var bias = Vector512<int>.Zero;
        for (int j = 0; j < cols; j += 16)
        {
            if (ScaleCount != 1)
            {
                n0 = Avx512F.ConvertToVector512Double(Vector256.Load(Scales + c0 + j));
                n1 = Avx512F.ConvertToVector512Double(Vector256.Load(Scales + c0 + j + 8));
            }
            if (IntBias is not null) bias = Vector512.Load(IntBias + c0 + j);
            byte* y = (byte*)Y + i0 * RowStride + c0 + j;
            int* t = acc + j;
            for (int i = 0; i < rows; i++, y += RowStride, t += accStride)
                Quantize16(Avx512F.Add(Vector512.Load(t), bias), n0, n1, lo5, hi5, zp).Store(y);
        }
    }

    /// <summary>16 requantized sums: clamp(round_half_even(a·m) + zp, lo, hi) computed as clamp(a·m, lo − zp, hi − zp)
    /// converted by vcvtpd2dq with round-to-nearest-even, plus zp in int32. The bounds are integers, so clamping
    /// before rounding gives the same integer as rounding first (the scalar <see cref="QGemm.Requantize"/>); the
    /// clamped values fit the output byte, so vpmovdb's truncation stores them exactly. Finite products only.</summary>
    /// <param name="a">sums (bias included)</param>
    /// <param name="m0">multipliers of lanes 0..7</param>
    /// <param name="m1">multipliers of lanes 8..15</param>
    /// <param name="lo">lo − zp</param>
    /// <param name="hi">hi − zp</param>
    /// <param name="zp">zero point</param>
    /// <returns>the 16 output bytes</returns>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<byte> Quantize16(Vector512<int> a, Vector512<double> m0, Vector512<double> m1, Vector512<double> lo, Vector512<double> hi, Vector512<int> zp)
    {
        var d0 = Avx512F.Max(Avx512F.Min(Avx512F.Multiply(Avx512F.ConvertToVector512Double(a.GetLower()), m0), hi), lo);
        var d1 = Avx512F.Max(Avx512F.Min(Avx512F.Multiply(Avx512F.ConvertToVector512Double(a.GetUpper()), m1), hi), lo);
        var q = Vector512.Create(Avx512F.ConvertToVector256Int32(d0, FloatRoundingMode.ToEven), Avx512F.ConvertToVector256Int32(d1, FloatRoundingMode.ToEven));
        return Avx512F.ConvertToVector128Byte(Avx512F.Add(q, zp));
    }

    // f = (float)acc · scale_j (+ bias_j), eight columns per step; returns the columns done
    private readonly int FloatRow(int i, int c0, int cols, int* acc)
    {
        float* y = (float*)Y + i * RowStride + c0;
        var scale = Vector256.Create(Scales[0]);
        int j = 0;
        for (; j + 8 <= cols; j += 8)
        {
            if (ScaleCount != 1) scale = Avx.LoadVector256(Scales + c0 + j);
            var f = Avx.Multiply(Avx.ConvertToVector256Single(Avx.LoadVector256(acc + j)), scale);
            if (FloatBias is not null) f = Avx.Add(f, Avx.LoadVector256(FloatBias + c0 + j));
            Avx.Store(y + j, f);
        }
        return j;
    }

    // q = clamp(round_half_even((acc + bias_j) · (double)mult_j) + zp, lo, hi): two halves of four doubles, then
    // int32 → int16 → 8-bit packs (exact: the values are already inside [lo, hi]); returns the columns done
    private readonly int QuantizedRow(int i, int c0, int cols, int* acc)
    {
        byte* y = (byte*)Y + i * RowStride + c0;
        var zp = Vector256.Create((double)ZeroPoint);
        var lo = Vector256.Create((double)Lo);
        var hi = Vector256.Create((double)Hi);
        var m0 = Vector256.Create((double)Scales[0]);
        var m1 = m0;
        bool signed = Lo < 0;
        int j = 0;
        if (Avx512F.IsSupported)
        {
            // whole 16-column blocks: the tile body on one row
            j = cols & ~15;
            QuantizedTile(i, 1, c0, j, acc, 0);
        }
        for (; j + 8 <= cols; j += 8)
        {
            var a = Avx.LoadVector256(acc + j);
            if (IntBias is not null) a = Avx2.Add(a, Avx.LoadVector256(IntBias + c0 + j));
            if (ScaleCount != 1)
            {
                m0 = Avx.ConvertToVector256Double(Sse.LoadVector128(Scales + c0 + j));
                m1 = Avx.ConvertToVector256Double(Sse.LoadVector128(Scales + c0 + j + 4));
            }
            var d0 = Avx.Add(Avx.RoundToNearestInteger(Avx.Multiply(Avx.ConvertToVector256Double(a.GetLower()), m0)), zp);
            var d1 = Avx.Add(Avx.RoundToNearestInteger(Avx.Multiply(Avx.ConvertToVector256Double(a.GetUpper()), m1)), zp);
            var i0 = Avx.ConvertToVector128Int32WithTruncation(Avx.Max(Avx.Min(d0, hi), lo));
            var i1 = Avx.ConvertToVector128Int32WithTruncation(Avx.Max(Avx.Min(d1, hi), lo));
            var s = Sse2.PackSignedSaturate(i0, i1);
            var b = signed ? Sse2.PackSignedSaturate(s, s).AsByte() : Sse2.PackUnsignedSaturate(s, s);
            *(ulong*)(y + j) = b.AsUInt64().ToScalar();
        }
        return j;
    }
}
