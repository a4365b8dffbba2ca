using Pare.Core;
using Pare.Graph;
using Pare.Graph.Analysis;
using Pare.Graph.Building;
using Pare.Nn.Modules;

namespace Pare.Nn.Export;

/// <summary>Turns a module into a <see cref="Model"/> (inference semantics: dropout off, batch norm on running
/// statistics) that Pare.Onnx writes as ONNX. Weights keep their state-dict names.</summary>
public static class OnnxExport
{
    /// <summary>The model computing <paramref name="module"/>'s forward pass on input <paramref name="inputName"/>
    /// of type <paramref name="type"/> and shape <paramref name="shape"/> (symbolic dims allowed).</summary>
    public static Model ToModel(Module module, string inputName, ElementType type, IReadOnlyList<Dim> shape, string outputName = "output")
    {
        ArgumentNullException.ThrowIfNull(module);
        var g = new GraphBuilder(module.GetType().Name);
        var x = g.Input(inputName, type, shape);
        var y = module.Export(g, x);
        g.Output(y, outputName, ElementType.Float, null);
        g.Graph.Sort();
        var model = new Model(g.Graph) { ProducerName = "pare", ProducerVersion = typeof(OnnxExport).Assembly.GetName().Version?.ToString() ?? "" };
        OutputShapes.Declare(model);
        return model;
    }

    /// <summary>An attribute pair for <see cref="GraphBuilder"/> nodes.</summary>
    internal static (string, AttributeValue) Attr(string name, long value) => (name, AttributeValue.Of(value));

    /// <inheritdoc cref="Attr(string, long)"/>
    internal static (string, AttributeValue) Attr(string name, float value) => (name, AttributeValue.Of(value));

    /// <inheritdoc cref="Attr(string, long)"/>
    internal static (string, AttributeValue) Attr(string name, params long[] values) => (name, AttributeValue.Of(values));

    /// <summary>x · Wᵀ + b for x of any rank (MatMul with a transposed weight, then Add), keeping the weight in
    /// PyTorch's (out, in) layout under its own name.</summary>
    internal static string Affine(GraphBuilder g, string x, Tensor weight, Tensor? bias, string weightName = "weight", string biasName = "bias")
    {
        var w = g.Weight(weightName, weight);
        var wt = g.Add("Transpose", [w], Attr("perm", 1L, 0L));
        var y = g.Add("MatMul", [x, wt]);
        return bias is null ? y : g.Add("Add", [y, g.Weight(biasName, bias)]);
    }

    /// <summary>T = shape(<paramref name="ids"/>)[1] as a one-element int64 tensor (the sequence length of (B, T) ids).</summary>
    internal static string SequenceLength(GraphBuilder g, string ids) =>
        g.Add("Slice", [g.Add("Shape", [ids]), g.Int64s("one", 1), g.Int64s("two", 2)]);

    /// <summary>GELU as ONNX opset 17 spells it: x · ½ · (1 + erf(x / √2)).</summary>
    internal static string Gelu(GraphBuilder g, string x)
    {
        var scaled = g.Add("Div", [x, g.Constant(Tensor.Scalar(MathF.Sqrt(2f)), "sqrt2")]);
        var erf = g.Add("Erf", [scaled]);
        var onePlus = g.Add("Add", [erf, g.Constant(Tensor.Scalar(1f), "one")]);
        var half = g.Add("Mul", [x, g.Constant(Tensor.Scalar(0.5f), "half")]);
        return g.Add("Mul", [half, onePlus]);
    }
}
