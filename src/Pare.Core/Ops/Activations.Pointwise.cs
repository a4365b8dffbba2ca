using Pare.Core.Autograd;
using Hard = Pare.Core.Kernels.Elementwise.HardActivationOperators;

namespace Pare.Core.Ops;

// Activations beyond the common ones: the ELU family, softplus, mish, softsign and thresholded ReLU run by the
// scalar PointwiseKernel; the hard (piecewise-linear) ones by the vector driver. Formulas and defaults follow ONNX,
// which follows PyTorch.
public static partial class Elementwise
{
    /// <summary>SELU's α (ONNX and PyTorch default).</summary>
    public const float SeluAlpha = 1.67326319217681884765625f;

    /// <summary>SELU's γ (ONNX and PyTorch default).</summary>
    public const float SeluGamma = 1.05070102214813232421875f;

    /// <summary>x for x &gt; 0, α(eˣ − 1) otherwise.</summary>
    /// <param name="x">(...)</param>
    /// <param name="alpha">scale of the negative side</param>
    [Op("elu")]
    public static Tensor Elu(Tensor x, float alpha = 1f) =>
        Pointwise(x, "elu", v => v > 0 ? v : alpha * (MathF.Exp(v) - 1f), v => v > 0 ? 1f : alpha * MathF.Exp(v));

    /// <summary>γ·x for x &gt; 0, γ·α(eˣ − 1) otherwise.</summary>
    /// <param name="x">(...)</param>
    /// <param name="alpha">α</param>
    /// <param name="gamma">γ</param>
    [Op("selu")]
    public static Tensor Selu(Tensor x, float alpha = SeluAlpha, float gamma = SeluGamma) =>
        Pointwise(x, "selu", v => v > 0 ? gamma * v : gamma * (alpha * MathF.Exp(v) - alpha), v => v > 0 ? gamma : gamma * alpha * MathF.Exp(v));

    /// <summary>max(0, x) + min(0, α(e^(x/α) − 1)).</summary>
    /// <param name="x">(...)</param>
    /// <param name="alpha">α (≠ 0)</param>
    [Op("celu")]
    public static Tensor Celu(Tensor x, float alpha = 1f)
    {
        if (alpha == 0) throw new ArgumentException("celu: alpha must not be 0", nameof(alpha));
        return Pointwise(x, "celu", v => v > 0 ? v : alpha * (MathF.Exp(v / alpha) - 1f), v => v > 0 ? 1f : MathF.Exp(v / alpha));
    }

    /// <summary>ln(1 + eˣ), written as max(x, 0) + ln(1 + e^−|x|) so that large |x| neither overflows nor loses x.</summary>
    /// <param name="x">(...)</param>
    [Op("softplus")]
    public static Tensor Softplus(Tensor x) =>
        Pointwise(x, "softplus", SoftplusOf, v => 1f / (1f + MathF.Exp(-v)));

    /// <summary>x·tanh(softplus(x)).</summary>
    /// <param name="x">(...)</param>
    [Op("mish")]
    public static Tensor Mish(Tensor x) => Pointwise(x, "mish", v => v * MathF.Tanh(SoftplusOf(v)), v =>
    {
        float t = MathF.Tanh(SoftplusOf(v));
        return t + v * (1f - t * t) / (1f + MathF.Exp(-v));
    });

    /// <summary>x / (1 + |x|).</summary>
    /// <param name="x">(...)</param>
    [Op("softsign")]
    public static Tensor Softsign(Tensor x) =>
        Pointwise(x, "softsign", v => v / (1f + MathF.Abs(v)), v => 1f / ((1f + MathF.Abs(v)) * (1f + MathF.Abs(v))));

    /// <summary>max(0, min(1, αx + β)); runs the vector kernel (MobileNetV3-style models apply it to whole
    /// feature maps).</summary>
    /// <param name="x">(...)</param>
    /// <param name="alpha">slope (ONNX's default 0.2; PyTorch's hardsigmoid uses 1/6)</param>
    /// <param name="beta">offset</param>
    [Op("hard_sigmoid")]
    public static Tensor HardSigmoid(Tensor x, float alpha = 0.2f, float beta = 0.5f)
    {
        var y = Unary(new Hard.HardSigmoid(alpha, beta), x, "hard_sigmoid");
        return Tape.Record(y, "hard_sigmoid", [x], d => [MapGrad(x, d, (v, g) => alpha * v + beta is > 0 and < 1 ? alpha * g : 0f)]);
    }

    /// <summary>x·max(0, min(1, x/6 + ½)); runs the vector kernel.</summary>
    /// <param name="x">(...)</param>
    [Op("hard_swish")]
    public static Tensor HardSwish(Tensor x)
    {
        var y = Unary(new Hard.HardSwish(), x, "hard_swish");
        return Tape.Record(y, "hard_swish", [x], d => [MapGrad(x, d, (v, g) => v <= -3f ? 0f : v >= 3f ? g : g * (2f * v + 3f) / 6f)]);
    }

    /// <summary>x where x &gt; α, else 0.</summary>
    /// <param name="x">(...)</param>
    /// <param name="alpha">threshold</param>
    [Op("thresholded_relu")]
    public static Tensor ThresholdedRelu(Tensor x, float alpha = 1f) =>
        Pointwise(x, "thresholded_relu", v => v > alpha ? v : 0f, v => v > alpha ? 1f : 0f);

    private static float SoftplusOf(float v) => MathF.Max(v, 0f) + MathF.Log(1f + MathF.Exp(-MathF.Abs(v)));

}
