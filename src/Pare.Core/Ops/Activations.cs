using Pare.Core.Autograd;
using Pare.Core.Kernels.Elementwise;
using Act = Pare.Core.Kernels.Elementwise.ActivationOperators;
using Grad = Pare.Core.Kernels.Elementwise.ActivationGradOperators;

namespace Pare.Core.Ops;

// Activations: float32 in, same shape out, each backward beside its forward. The backward passes run the
// ActivationGradOperators through the same vector driver as the forwards.
public static partial class Elementwise
{
    private const float TwoOverSqrtPi = 1.1283791670955126f;

    /// <summary>max(x, 0); relu(NaN) = NaN; the gradient at 0 is 0.</summary>
    /// <param name="x">(...)</param>
    [Op("relu")]
    public static Tensor Relu(Tensor x)
    {
        var y = Unary(new UnaryOperators.Relu(), x, "relu");
        return Tape.Record(y, "relu", [x], d => [Binary(new Grad.Relu(), x, d, "relu backward")]);
    }

    /// <summary>x for x ≥ 0, slope·x below.</summary>
    /// <param name="x">(...)</param>
    /// <param name="slope">negative-side slope (PyTorch's default is 0.01)</param>
    [Op("leaky_relu")]
    public static Tensor LeakyRelu(Tensor x, float slope = 0.01f)
    {
        var y = Unary(new UnaryOperators.LeakyRelu(slope), x, "leaky_relu");
        return Tape.Record(y, "leaky_relu", [x], d => [Binary(new Grad.LeakyRelu(slope), x, d, "leaky_relu backward")]);
    }

    /// <summary>GELU: x·Φ(x) with the exact erf form, or the tanh approximation when
    /// <paramref name="approximate"/> (PyTorch's approximate='tanh').</summary>
    /// <param name="x">(...)</param>
    /// <param name="approximate">use ½x(1 + tanh(√(2/π)(x + 0.044715x³)))</param>
    [Op("gelu")]
    public static Tensor Gelu(Tensor x, bool approximate = false)
    {
        var y = approximate ? Unary(new Act.GeluTanh(), x, "gelu") : Unary(new Act.GeluErf(), x, "gelu");
        return Tape.Record(y, "gelu", [x], d => [approximate ? Binary(new Grad.GeluTanh(), x, d, "gelu backward") : Binary(new Grad.GeluErf(), x, d, "gelu backward")]);
    }

    /// <summary>x·sigmoid(x) (SiLU / swish).</summary>
    /// <param name="x">(...)</param>
    [Op("silu")]
    public static Tensor Silu(Tensor x)
    {
        var y = Unary(new Act.Silu(), x, "silu");
        return Tape.Record(y, "silu", [x], d => [Binary(new Grad.Silu(), x, d, "silu backward")]);
    }

    /// <summary>1 / (1 + e^−x).</summary>
    /// <param name="x">(...)</param>
    [Op("sigmoid")]
    public static Tensor Sigmoid(Tensor x)
    {
        var y = Unary(new Act.Sigmoid(), x, "sigmoid");
        return Tape.Record(y, "sigmoid", [x], d => [Binary(new Grad.Sigmoid(), y, d, "sigmoid backward")]);
    }

    /// <summary>tanh x.</summary>
    /// <param name="x">(...)</param>
    [Op("tanh")]
    public static Tensor Tanh(Tensor x)
    {
        var y = Unary(new Act.Tanh(), x, "tanh");
        return Tape.Record(y, "tanh", [x], d => [Binary(new Grad.Tanh(), y, d, "tanh backward")]);
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
