using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Pare.Core.Kernels.QGemm;

/// <summary>A 2×2 stride-2 max pool (floor mode, no padding) of int32 conv sums, then the requantization of
/// <see cref="QGemm.MultiplyRequantize"/> — the same bytes as requantizing every sum and pooling the bytes, because
/// the requantization (sum + bias in wrapping int32, · a multiplier ≥ 0 in double, round half to even, + zero point,
/// clamp) never decreases as the sum grows; it runs on a quarter of the values. Callers check that every multiplier
/// is finite and ≥ 0.</summary>
public static class QMaxPoolRequant
{
    /// <summary>Whether pooling before requantizing gives the same bytes: every multiplier finite and ≥ 0.</summary>
    /// <param name="multipliers">the requantization multipliers</param>
    /// <returns>true when max and requantization commute</returns>
    public static bool Commutes(ReadOnlySpan<float> multipliers)
    {
        foreach (var m in multipliers) if (!(m >= 0) || !float.IsFinite(m)) return false;
        return true;
    }

    /// <summary>One plane (H, W) of sums with the bias already added → (H/2, W/2) bytes.</summary>
    /// <param name="acc">(H, W) int32, plus ≥ 16 readable values past the end</param>
    /// <param name="h">H</param>
    /// <param name="w">W</param>
    /// <param name="multiplier">finite, ≥ 0</param>
    /// <param name="yZero">output zero point</param>
    /// <param name="signedOutput">int8 output (else uint8)</param>
    /// <param name="pooled">(H/2·W/2 rounded up to 8) + 8 int32 of scratch</param>
    /// <param name="y">(H/2, W/2) output bytes</param>
    internal static unsafe void Plane(int* acc, int h, int w, float multiplier, int yZero, bool signedOutput, int* pooled, byte* y)
    {
        int ph = h / 2, pw = w / 2;
        for (int py = 0; py < ph; py++)
        {
            int* r0 = acc + 2 * py * w, r1 = r0 + w, d = pooled + py * pw;
            int px = 0;
            if (Avx512F.IsSupported)
            {
                // sixteen sums of each row → eight pooled values: vertical vpmaxsd, then each (even, odd) pair as
                // one int64 lane: max with itself shifted right by 32, and vpmovqd keeps the low (even) halves; the
                // last step may read and write past the row (rewritten by the next row, or the scratch's slack)
                for (; px < pw; px += 8)
                {
                    var v = Avx512F.Max(Vector512.Load(r0 + 2 * px), Vector512.Load(r1 + 2 * px));
                    var m = Avx512F.Max(v, Avx512F.ShiftRightLogical(v.AsInt64(), 32).AsInt32());
                    Avx512F.ConvertToVector256Int32(m.AsInt64()).Store(d + px);
                }
                continue;
            }
            for (; px < pw; px++)
                d[px] = Math.Max(Math.Max(r0[2 * px], r0[2 * px + 1]), Math.Max(r1[2 * px], r1[2 * px + 1]));
        }
        var epilogue = Epilogue(&multiplier, 1, null, yZero, signedOutput, y, ph * pw);
        epilogue.WriteRow(0, 0, ph * pw, pooled);
    }

    private static unsafe QGemmEpilogue Epilogue(float* multipliers, int count, int* bias, int yZero, bool signedOutput, byte* y, long rowStride) => new()
    {
        Kind = QGemmEpilogue.Output.Quantized, Y = y, RowStride = rowStride, ColStride = 1, Scales = multipliers, ScaleCount = count,
        IntBias = bias, ZeroPoint = yZero, Lo = signedOutput ? sbyte.MinValue : 0, Hi = signedOutput ? sbyte.MaxValue : byte.MaxValue,
        FiniteScales = true,
    };
}
