namespace Pare.Core.Ops;

// Trigonometric, hyperbolic and rounding functions (float32, MathF semantics: NaN outside the domain).
public static partial class Elementwise
{
    /// <summary>sin x.</summary>
    /// <param name="x">(...)</param>
    [Op("sin")]
    public static Tensor Sin(Tensor x) => Pointwise(x, "sin", MathF.Sin, MathF.Cos);

    /// <summary>cos x.</summary>
    /// <param name="x">(...)</param>
    [Op("cos")]
    public static Tensor Cos(Tensor x) => Pointwise(x, "cos", MathF.Cos, v => -MathF.Sin(v));

    /// <summary>tan x.</summary>
    /// <param name="x">(...)</param>
    [Op("tan")]
    public static Tensor Tan(Tensor x) => Pointwise(x, "tan", MathF.Tan, v => 1f / (MathF.Cos(v) * MathF.Cos(v)));

    /// <summary>asin x (NaN outside [−1, 1]).</summary>
    /// <param name="x">(...)</param>
    [Op("asin")]
    public static Tensor Asin(Tensor x) => Pointwise(x, "asin", MathF.Asin, v => 1f / MathF.Sqrt(1f - v * v));

    /// <summary>acos x (NaN outside [−1, 1]).</summary>
    /// <param name="x">(...)</param>
    [Op("acos")]
    public static Tensor Acos(Tensor x) => Pointwise(x, "acos", MathF.Acos, v => -1f / MathF.Sqrt(1f - v * v));

    /// <summary>atan x.</summary>
    /// <param name="x">(...)</param>
    [Op("atan")]
    public static Tensor Atan(Tensor x) => Pointwise(x, "atan", MathF.Atan, v => 1f / (1f + v * v));

    /// <summary>sinh x.</summary>
    /// <param name="x">(...)</param>
    [Op("sinh")]
    public static Tensor Sinh(Tensor x) => Pointwise(x, "sinh", MathF.Sinh, MathF.Cosh);

    /// <summary>cosh x.</summary>
    /// <param name="x">(...)</param>
    [Op("cosh")]
    public static Tensor Cosh(Tensor x) => Pointwise(x, "cosh", MathF.Cosh, MathF.Sinh);

    /// <summary>asinh x.</summary>
    /// <param name="x">(...)</param>
    [Op("asinh")]
    public static Tensor Asinh(Tensor x) => Pointwise(x, "asinh", MathF.Asinh, v => 1f / MathF.Sqrt(v * v + 1f));

    /// <summary>acosh x (NaN below 1).</summary>
    /// <param name="x">(...)</param>
    [Op("acosh")]
    public static Tensor Acosh(Tensor x) => Pointwise(x, "acosh", MathF.Acosh, v => 1f / MathF.Sqrt(v * v - 1f));

    /// <summary>atanh x (NaN outside (−1, 1)).</summary>
    /// <param name="x">(...)</param>
    [Op("atanh")]
    public static Tensor Atanh(Tensor x) => Pointwise(x, "atanh", MathF.Atanh, v => 1f / (1f - v * v));

    /// <summary>⌊x⌋; the gradient is zero (as in PyTorch).</summary>
    /// <param name="x">(...)</param>
    [Op("floor")]
    public static Tensor Floor(Tensor x) => Pointwise(x, "floor", MathF.Floor, null);

    /// <summary>⌈x⌉; the gradient is zero.</summary>
    /// <param name="x">(...)</param>
    [Op("ceil")]
    public static Tensor Ceil(Tensor x) => Pointwise(x, "ceil", MathF.Ceiling, null);

    /// <summary>x rounded to the nearest integer, halves to even (as ONNX Round and torch.round); the gradient is zero.</summary>
    /// <param name="x">(...)</param>
    [Op("round")]
    public static Tensor Round(Tensor x) => Pointwise(x, "round", v => MathF.Round(v, MidpointRounding.ToEven), null);

    /// <summary>−1, 0 or 1 by the sign of x (NaN stays NaN); the gradient is zero.</summary>
    /// <param name="x">(...)</param>
    [Op("sign")]
    public static Tensor Sign(Tensor x) => Pointwise(x, "sign", v => float.IsNaN(v) ? v : MathF.Sign(v), null);
}
