namespace Pare.Core.Tests.Support;

/// <summary>Named tolerances, each with the reason it has the size it has.</summary>
public static class Tolerance
{
    /// <summary>SIMD vs scalar twin of an elementwise kernel that is exact in both (add, mul, relu, ...).</summary>
    public const float Exact = 0f;

    /// <summary>SIMD vs scalar twin of a transcendental (exp, log, tanh, erf) — vectorized polynomials may
    /// differ from the scalar libm result by a few ulps; relative.</summary>
    public const float TranscendentalRelative = 4e-6f;

    /// <summary>Absolute floor for the same comparison near zero.</summary>
    public const float TranscendentalAbsolute = 1e-6f;

    /// <summary>Float32 result vs PyTorch's float32 result: both round each op, in different orders; relative.</summary>
    public const float TorchRelative = 1e-4f;

    /// <summary>Absolute floor for the comparison with PyTorch.</summary>
    public const float TorchAbsolute = 1e-5f;

    /// <summary>Finite differences in double over a float32 forward with step 1e-2: truncation error O(h²) plus
    /// float32 rounding amplified by 1/h; relative.</summary>
    public const double GradRelative = 2e-2;

    /// <summary>Absolute floor for the gradient check.</summary>
    public const double GradAbsolute = 2e-3;

    /// <summary>Float32 GEMM/conv with K-term dot products vs a double reference: error grows like
    /// sqrt(K)·eps·max|a||b|; the tests scale this by sqrt(K).</summary>
    public const double DotProductPerSqrtK = 2e-6;

    /// <summary>Max error of Pare's float32 erf (ErfApproximation) against a double-precision erf, in ulps of the
    /// true value: measured 1.59 ulp near |x| = 0.93, in the 1 − e^(−x²)·Q(x) piece where exp's own error enters
    /// (the polynomial piece below 0.875 stays near 1.1 ulp).</summary>
    public const double ErfMaxUlps = 2.0;

    /// <summary>Vector vs scalar twin of an activation built on exp (sigmoid, silu, gelu): the vector exp differs
    /// from MathF.Exp by a few ulps, and a division or a 1 − e step can double that; relative.</summary>
    public const float ActivationRelative = 8e-6f;
}
