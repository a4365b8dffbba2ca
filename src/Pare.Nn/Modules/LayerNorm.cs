using Pare.Nn.Export;
using Pare.Graph.Building;
using Pare.Core;
using Pare.Core.Ops;

namespace Pare.Nn.Modules;

/// <summary>Layer normalization over the last dimensions.</summary>
public sealed class LayerNorm : Module
{
    private readonly int[] _shape;

    /// <summary>Creates the layer over trailing dimensions <paramref name="normalizedShape"/>.</summary>
    public LayerNorm(int[] normalizedShape, float eps = 1e-5f)
    {
        ArgumentNullException.ThrowIfNull(normalizedShape);
        _shape = normalizedShape;
        Eps = eps;
        Weight = Parameter(nameof(Weight), Tensor.Ones(normalizedShape));
        Bias = Parameter(nameof(Bias), Tensor.Zeros(normalizedShape));
    }

    /// <summary>Over the last dimension of size <paramref name="features"/>.</summary>
    public LayerNorm(int features, float eps = 1e-5f) : this([features], eps)
    {
    }

    /// <summary>Added to the variance.</summary>
    public float Eps { get; }

    /// <summary>γ</summary>
    public Tensor Weight { get; }

    /// <summary>β</summary>
    public Tensor Bias { get; }

    /// <param name="x">(*, normalized shape)</param>
    public override Tensor Forward(Tensor x) => Normalization.LayerNorm(x, _shape, Weight, Bias, Eps);

    /// <inheritdoc/>
    public override string Export(GraphBuilder g, string input)
    {
        ArgumentNullException.ThrowIfNull(g);
        string[] inputs = Bias is null ? [input, g.Weight("weight", Weight!)] : [input, g.Weight("weight", Weight!), g.Weight("bias", Bias)];
        return g.Add("LayerNormalization", inputs, OnnxExport.Attr("axis", (long)-_shape.Length), OnnxExport.Attr("epsilon", Eps));
    }
}
