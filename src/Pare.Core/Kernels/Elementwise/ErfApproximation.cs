using System.Runtime.Intrinsics;

namespace Pare.Core.Kernels.Elementwise;

// erf for float32 in two pieces, coefficients fitted in double (least squares on Chebyshev nodes against
// mpmath) and rounded to float:
//   |x| < 0.875:        erf(x) = x + x·P(x²),           P of degree 5, fitted for relative error of erf; the
//                       exact x term carries most of the value (P(0) = 2/√π − 1 ≈ 0.128), so the rounding of
//                       P's float coefficients only touches the ~12% correction;
//   0.875 ≤ |x| ≤ 4:    erf(x) = 1 − exp(−x²)·Q(|x|),   Q ≈ erfc(x)·exp(x²) of degree 9, fitted for absolute
//                       error of erfc; beyond 4, erf rounds to ±1 in float (erfc(3.92) < half an ulp of 1).
// The sign is copied back from x. Max error measured against a double-precision erf by
// ElementwiseKernelTests.Erf_is_accurate_against_a_double_reference: see Tolerance.ErfMaxUlps. Scalar and vector use the same unfused operations in the same
// order, so they differ only where the vector exp differs from MathF.Exp (the second piece).
internal static class ErfApproximation
{
    private const float Split = 0.875f;
    private const float Clip = 4f;
    private const float P0 = 0.12837916612625122f, P1 = -0.376125693321228f, P2 = 0.11282607913017273f,
        P3 = -0.026796305552124977f, P4 = 0.005038737785071135f, P5 = -0.0006235155742615461f;
    private const float Q0 = 0.9969801306724548f, Q1 = -1.106520175933838f, Q2 = 0.9285264611244202f,
        Q3 = -0.6118344664573669f, Q4 = 0.3134375512599945f, Q5 = -0.1210554987192154f, Q6 = 0.03370128571987152f,
        Q7 = -0.006328429561108351f, Q8 = 0.0007128830184228718f, Q9 = -3.621208088588901e-05f;

    public static float Scalar(float x)
    {
        float a = MathF.Abs(x);
        float r;
        if (a < Split)
        {
            float z = a * a;
            r = a + a * (((((P5 * z + P4) * z + P3) * z + P2) * z + P1) * z + P0);
        }
        else
        {
            // NaN takes this branch (the compare is false) and stays NaN through Min (which propagates NaN).
            float t = MathF.Min(a, Clip);
            float q = ((((((((Q9 * t + Q8) * t + Q7) * t + Q6) * t + Q5) * t + Q4) * t + Q3) * t + Q2) * t + Q1) * t + Q0;
            r = 1f - MathF.Exp(-(t * t)) * q;
        }
        return MathF.CopySign(r, x);
    }

    public static Vector512<float> Vector(Vector512<float> x)
    {
        var a = Vector512.Abs(x);
        var z = a * a;
        var p = ((((Vector512.Create(P5) * z + Vector512.Create(P4)) * z + Vector512.Create(P3)) * z + Vector512.Create(P2)) * z + Vector512.Create(P1)) * z + Vector512.Create(P0);
        var small = a + a * p;
        // Vector512.Min propagates NaN like MathF.Min, so NaN lanes stay NaN in this piece as in the scalar one.
        var t = Vector512.Min(a, Vector512.Create(Clip));
        var q = Vector512.Create(Q9) * t + Vector512.Create(Q8);
        q = q * t + Vector512.Create(Q7); q = q * t + Vector512.Create(Q6); q = q * t + Vector512.Create(Q5);
        q = q * t + Vector512.Create(Q4); q = q * t + Vector512.Create(Q3); q = q * t + Vector512.Create(Q2);
        q = q * t + Vector512.Create(Q1); q = q * t + Vector512.Create(Q0);
        var large = Vector512<float>.One - Vector512.Exp(-(t * t)) * q;
        var r = Vector512.ConditionalSelect(Vector512.LessThan(a, Vector512.Create(Split)), small, large);
        // copysign: r ≥ 0 (or NaN), so OR-ing in x's sign bit restores the sign; −0 maps to −0.
        return r | (x & Vector512.Create(-0f));
    }

    public static Vector256<float> Vector(Vector256<float> x)
    {
        var a = Vector256.Abs(x);
        var z = a * a;
        var p = ((((Vector256.Create(P5) * z + Vector256.Create(P4)) * z + Vector256.Create(P3)) * z + Vector256.Create(P2)) * z + Vector256.Create(P1)) * z + Vector256.Create(P0);
        var small = a + a * p;
        var t = Vector256.Min(a, Vector256.Create(Clip));
        var q = Vector256.Create(Q9) * t + Vector256.Create(Q8);
        q = q * t + Vector256.Create(Q7); q = q * t + Vector256.Create(Q6); q = q * t + Vector256.Create(Q5);
        q = q * t + Vector256.Create(Q4); q = q * t + Vector256.Create(Q3); q = q * t + Vector256.Create(Q2);
        q = q * t + Vector256.Create(Q1); q = q * t + Vector256.Create(Q0);
        var large = Vector256<float>.One - Vector256.Exp(-(t * t)) * q;
        var r = Vector256.ConditionalSelect(Vector256.LessThan(a, Vector256.Create(Split)), small, large);
        return r | (x & Vector256.Create(-0f));
    }

    public static Vector128<float> Vector(Vector128<float> x)
    {
        var a = Vector128.Abs(x);
        var z = a * a;
        var p = ((((Vector128.Create(P5) * z + Vector128.Create(P4)) * z + Vector128.Create(P3)) * z + Vector128.Create(P2)) * z + Vector128.Create(P1)) * z + Vector128.Create(P0);
        var small = a + a * p;
        var t = Vector128.Min(a, Vector128.Create(Clip));
        var q = Vector128.Create(Q9) * t + Vector128.Create(Q8);
        q = q * t + Vector128.Create(Q7); q = q * t + Vector128.Create(Q6); q = q * t + Vector128.Create(Q5);
        q = q * t + Vector128.Create(Q4); q = q * t + Vector128.Create(Q3); q = q * t + Vector128.Create(Q2);
        q = q * t + Vector128.Create(Q1); q = q * t + Vector128.Create(Q0);
        var large = Vector128<float>.One - Vector128.Exp(-(t * t)) * q;
        var r = Vector128.ConditionalSelect(Vector128.LessThan(a, Vector128.Create(Split)), small, large);
        return r | (x & Vector128.Create(-0f));
    }
}
