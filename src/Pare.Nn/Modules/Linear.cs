using Pare.Nn.Export;
using Pare.Graph.Building;
using Pare.Core;
using Pare.Core.Ops;
using Pare.Core.Random;

namespace Pare.Nn.Modules;

/// <summary>y = x·Wᵀ + b.</summary>
public sealed class Linear : Module
{
    /// <summary>Creates a layer with PyTorch's default initialization.</summary>
    public Linear(int inFeatures, int outFeatures, Rng rng, bool bias = true)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(inFeatures, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(outFeatures, 1);
        InFeatures = inFeatures;
        OutFeatures = outFeatures;
        Weight = Parameter(nameof(Weight), Init.KaimingUniform([outFeatures, inFeatures], inFeatures, rng));
        Bias = bias ? Parameter(nameof(Bias), Init.BiasUniform(outFeatures, inFeatures, rng)) : null;
    }

    /// <summary>Input features.</summary>
    public int InFeatures { get; }

    /// <summary>Output features.</summary>
    public int OutFeatures { get; }

    /// <summary>(out, in)</summary>
    public Tensor Weight { get; }

    /// <summary>(out) or null</summary>
    public Tensor? Bias { get; }

    /// <param name="x">(*, in)</param>
    /// <returns>(*, out)</returns>
    public override Tensor Forward(Tensor x)
    {
        ArgumentNullException.ThrowIfNull(x);
        if (x.Rank == 0 || x.Dim(-1) != InFeatures)
            throw new ArgumentException($"Linear({InFeatures} → {OutFeatures}) got input of shape {x.Shape}", nameof(x));
        var y = Linalg.MatMul(x, Weight.Transpose(0, 1));
        return Bias is null ? y : Elementwise.Add(y, Bias);
    }

    /// <inheritdoc/>
    public override string Export(GraphBuilder g, string input) => OnnxExport.Affine(g, input, Weight, Bias);
}
