using Pare.Core;
using Pare.Core.Ops;

namespace Pare.Nn.Modules;

/// <summary>An elementwise activation as a module (relu, gelu, silu, sigmoid, tanh, leaky relu).</summary>
public sealed class Activation : Module
{
    private readonly Func<Tensor, Tensor> _f;

    private Activation(string name, Func<Tensor, Tensor> f)
    {
        Name = name;
        _f = f;
    }

    /// <summary>Name of the function.</summary>
    public string Name { get; }

    /// <summary>max(x, 0)</summary>
    public static Activation Relu() => new("relu", Elementwise.Relu);

    /// <summary>GELU, erf form (or tanh form when <paramref name="approximate"/>).</summary>
    public static Activation Gelu(bool approximate = false) => new(approximate ? "gelu_tanh" : "gelu", x => Elementwise.Gelu(x, approximate));

    /// <summary>x·σ(x)</summary>
    public static Activation Silu() => new("silu", Elementwise.Silu);

    /// <summary>σ(x)</summary>
    public static Activation Sigmoid() => new("sigmoid", Elementwise.Sigmoid);

    /// <summary>tanh(x)</summary>
    public static Activation Tanh() => new("tanh", Elementwise.Tanh);

    /// <summary>x for x ≥ 0, slope·x otherwise.</summary>
    public static Activation LeakyRelu(float slope = 0.01f) => new("leaky_relu", x => Elementwise.LeakyRelu(x, slope));

    /// <inheritdoc/>
    public override Tensor Forward(Tensor x) => _f(x);
}
