using System.Runtime.Intrinsics;

namespace Pare.Core.Kernels.Elementwise;

// tanh for float32 vectors: tanh|x| = (1 − e)/(1 + e) with e = exp(−2|x|), which is accurate once 1 − e is not a
// cancellation; below |x| = 0.375 the Taylor series to x¹³ is used instead (next term < 2e-9 relative there).
// Large |x| gives e = 0 → 1, ±inf → ±1, NaN stays NaN. The sign is copied back from x. The scalar twin is
// MathF.Tanh; the vector result agrees within a few ulps (tested).
internal static class TanhApproximation
{
    private const float Split = 0.375f;
    private const float T3 = -1f / 3, T5 = 2f / 15, T7 = -17f / 315, T9 = 62f / 2835, T11 = -1382f / 155925, T13 = 21844f / 6081075;

    public static Vector512<float> Vector(Vector512<float> x)
    {
        var a = Vector512.Abs(x);
        var z = a * a;
        var series = a + a * z * (((((Vector512.Create(T13) * z + Vector512.Create(T11)) * z + Vector512.Create(T9)) * z + Vector512.Create(T7)) * z + Vector512.Create(T5)) * z + Vector512.Create(T3));
        var e = Vector512.Exp(Vector512.Create(-2f) * a);
        var viaExp = (Vector512<float>.One - e) / (Vector512<float>.One + e);
        var r = Vector512.ConditionalSelect(Vector512.LessThan(a, Vector512.Create(Split)), series, viaExp);
        return r | (x & Vector512.Create(-0f));
    }

    public static Vector256<float> Vector(Vector256<float> x)
    {
        var a = Vector256.Abs(x);
        var z = a * a;
        var series = a + a * z * (((((Vector256.Create(T13) * z + Vector256.Create(T11)) * z + Vector256.Create(T9)) * z + Vector256.Create(T7)) * z + Vector256.Create(T5)) * z + Vector256.Create(T3));
        var e = Vector256.Exp(Vector256.Create(-2f) * a);
        var viaExp = (Vector256<float>.One - e) / (Vector256<float>.One + e);
        var r = Vector256.ConditionalSelect(Vector256.LessThan(a, Vector256.Create(Split)), series, viaExp);
        return r | (x & Vector256.Create(-0f));
    }

    public static Vector128<float> Vector(Vector128<float> x)
    {
        var a = Vector128.Abs(x);
        var z = a * a;
        var series = a + a * z * (((((Vector128.Create(T13) * z + Vector128.Create(T11)) * z + Vector128.Create(T9)) * z + Vector128.Create(T7)) * z + Vector128.Create(T5)) * z + Vector128.Create(T3));
        var e = Vector128.Exp(Vector128.Create(-2f) * a);
        var viaExp = (Vector128<float>.One - e) / (Vector128<float>.One + e);
        var r = Vector128.ConditionalSelect(Vector128.LessThan(a, Vector128.Create(Split)), series, viaExp);
        return r | (x & Vector128.Create(-0f));
    }
}
