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

    /// <summary>A float32 sum in vector-lane order vs the sequential scalar sum: each rounding is ≤ eps/2 of a
    /// partial sum, so the difference is bounded by about n·eps·Σ|x| and is ~√n·eps in practice; relative to
    /// Σ|x| for n ≤ 257.</summary>
    public const float ReorderedSumRelative = 1e-5f;

    /// <summary>Variance, softmax and norm statistics: float32 kernel vs a double (or Welford) twin — a few
    /// roundings per element of O(1) values; relative.</summary>
    public const float NormKernelRelative = 2e-5f;

    /// <summary>Absolute floor for the same comparison (outputs near 0 after centring).</summary>
    public const float NormKernelAbsolute = 2e-5f;

    /// <summary>Row-norm kernel on rows offset by 1000 (spread 1) vs its double twin: the float mean is off by up
    /// to ulp(1000)/2 ≈ 3e-5 before the compensation step, and the variance of such rows keeps ~1e-4 relative
    /// noise from the float32 squares; absolute on x̂ ~ O(1).</summary>
    public const float NormLargeMeanAbsolute = 1e-3f;

    /// <summary>Relative part of the same comparison.</summary>
    public const float NormLargeMeanRelative = 1e-3f;
}
