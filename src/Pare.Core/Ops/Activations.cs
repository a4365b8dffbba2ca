using Pare.Core.Autograd;
using Pare.Core.Kernels.Elementwise;
using Act = Pare.Core.Kernels.Elementwise.ActivationOperators;

namespace Pare.Core.Ops;

// Activations: float32 in, same shape out, each backward beside its forward.
public static partial class Elementwise
{
    private const float TwoOverSqrtPi = 1.1283791670955126f;
    private const float InvSqrtTwoPi = 0.3989422804014327f;
    private const float SqrtTwoOverPi = 0.7978845608028654f;
    private const float GeluCubic = 0.044715f;

    /// <summary>max(x, 0); relu(NaN) = NaN; the gradient at 0 is 0.</summary>
    /// <param name="x">(...)</param>
    [Op("relu")]
    public static Tensor Relu(Tensor x)
    {
        var y = Unary(new UnaryOperators.Relu(), x, "relu");
        return Tape.Record(y, "relu", [x], d => [MapGrad(x, d, (v, g) => v > 0 ? g : 0f)]);
    }

    /// <summary>x for x ≥ 0, slope·x below.</summary>
    /// <param name="x">(...)</param>
    /// <param name="slope">negative-side slope (PyTorch's default is 0.01)</param>
    [Op("leaky_relu")]
    public static Tensor LeakyRelu(Tensor x, float slope = 0.01f)
    {
        var y = Unary(new UnaryOperators.LeakyRelu(slope), x, "leaky_relu");
        return Tape.Record(y, "leaky_relu", [x], d => [MapGrad(x, d, (v, g) => v > 0 ? g : g * slope)]);
    }

    /// <summary>GELU: x·Φ(x) with the exact erf form, or the tanh approximation when
    /// <paramref name="approximate"/> (PyTorch's approximate='tanh').</summary>
    /// <param name="x">(...)</param>
    /// <param name="approximate">use ½x(1 + tanh(√(2/π)(x + 0.044715x³)))</param>
    [Op("gelu")]
    public static Tensor Gelu(Tensor x, bool approximate = false)
    {
        var y = approximate ? Unary(new Act.GeluTanh(), x, "gelu") : Unary(new Act.GeluErf(), x, "gelu");
        return Tape.Record(y, "gelu", [x], d => [approximate ? MapGrad(x, d, GeluTanhGrad) : MapGrad(x, d, GeluErfGrad)]);
    }

    // d/dx x·Φ(x) = Φ(x) + x·φ(x)
    private static float GeluErfGrad(float v, float g)
    {
        float cdf = 0.5f * (1f + new Act.Erf().Invoke(v * 0.70710678f));
        float pdf = InvSqrtTwoPi * MathF.Exp(-0.5f * v * v);
        return g * (cdf + v * pdf);
    }

    // d/dx ½x(1 + tanh u) = ½(1 + t) + ½x(1 − t²)·u′, u = √(2/π)(x + c·x³), u′ = √(2/π)(1 + 3c·x²)
    private static float GeluTanhGrad(float v, float g)
    {
        float t = MathF.Tanh(SqrtTwoOverPi * (v + GeluCubic * v * v * v));
        float du = SqrtTwoOverPi * (1f + 3f * GeluCubic * v * v);
        return g * (0.5f * (1f + t) + 0.5f * v * (1f - t * t) * du);
    }

    /// <summary>x·sigmoid(x) (SiLU / swish).</summary>
    /// <param name="x">(...)</param>
    [Op("silu")]
    public static Tensor Silu(Tensor x)
    {
        var y = Unary(new Act.Silu(), x, "silu");
        return Tape.Record(y, "silu", [x], d => [MapGrad(x, d, (v, g) =>
        {
            float s = 1f / (1f + MathF.Exp(-v));
            return g * s * (1f + v * (1f - s));
        })]);
    }

    /// <summary>1 / (1 + e^−x).</summary>
    /// <param name="x">(...)</param>
    [Op("sigmoid")]
    public static Tensor Sigmoid(Tensor x)
    {
        var y = Unary(new Act.Sigmoid(), x, "sigmoid");
        return Tape.Record(y, "sigmoid", [x], d => [MapGrad(y, d, (s, g) => g * s * (1f - s))]);
    }

    /// <summary>tanh x.</summary>
    /// <param name="x">(...)</param>
    [Op("tanh")]
    public static Tensor Tanh(Tensor x)
    {
        var y = Unary(new Act.Tanh(), x, "tanh");
        return Tape.Record(y, "tanh", [x], d => [MapGrad(y, d, (t, g) => g * (1f - t * t))]);
    }

    /// <summary>The error function.</summary>
    /// <param name="x">(...)</param>
    [Op("erf")]
    public static Tensor Erf(Tensor x)
    {
        var y = Unary(new Act.Erf(), x, "erf");
        return Tape.Record(y, "erf", [x], d => [MapGrad(x, d, (v, g) => g * TwoOverSqrtPi * MathF.Exp(-v * v))]);
    }
}
