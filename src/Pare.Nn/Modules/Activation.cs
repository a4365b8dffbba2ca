using Pare.Graph;
using Pare.Graph.Building;
using Pare.Nn.Export;
using Pare.Core;
using Pare.Core.Ops;

namespace Pare.Nn.Modules;

/// <summary>An elementwise activation as a module (relu, gelu, silu, sigmoid, tanh, leaky relu).</summary>
public sealed class Activation : Module
{
    private readonly Func<Tensor, Tensor> _f;
    private readonly Func<GraphBuilder, string, string> _export;

    private Activation(string name, Func<Tensor, Tensor> f, Func<GraphBuilder, string, string> export)
    {
        Name = name;
        _f = f;
        _export = export;
    }

    private static Func<GraphBuilder, string, string> Op(string opType, params (string, AttributeValue)[] attributes) =>
        (g, x) => g.Add(opType, [x], attributes);

    /// <summary>Name of the function.</summary>
    public string Name { get; }

    /// <summary>max(x, 0)</summary>
    public static Activation Relu() => new("relu", Elementwise.Relu, Op("Relu"));

    /// <summary>GELU, erf form (or tanh form when <paramref name="approximate"/>).</summary>
    public static Activation Gelu(bool approximate = false) => new(approximate ? "gelu_tanh" : "gelu", x => Elementwise.Gelu(x, approximate),
        approximate ? (_, _) => throw new PareException("tanh-approximated GELU has no ONNX opset-17 export") : OnnxExport.Gelu);

    /// <summary>x·σ(x)</summary>
    public static Activation Silu() => new("silu", Elementwise.Silu, (g, x) => g.Add("Mul", [x, g.Add("Sigmoid", [x])]));

    /// <summary>σ(x)</summary>
    public static Activation Sigmoid() => new("sigmoid", Elementwise.Sigmoid, Op("Sigmoid"));

    /// <summary>tanh(x)</summary>
    public static Activation Tanh() => new("tanh", Elementwise.Tanh, Op("Tanh"));

    /// <summary>x for x ≥ 0, slope·x otherwise.</summary>
    public static Activation LeakyRelu(float slope = 0.01f) => new("leaky_relu", x => Elementwise.LeakyRelu(x, slope), Op("LeakyRelu", OnnxExport.Attr("alpha", slope)));

    /// <inheritdoc/>
    public override Tensor Forward(Tensor x) => _f(x);

    /// <inheritdoc/>
    public override string Export(GraphBuilder g, string input) => _export(g, input);
}
