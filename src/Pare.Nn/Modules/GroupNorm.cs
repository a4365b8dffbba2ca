using Pare.Core;
using Pare.Core.Ops;

namespace Pare.Nn.Modules;

/// <summary>Group normalization: channels split into groups, each normalized over (C/G, *).</summary>
public sealed class GroupNorm : Module
{
    /// <summary>Creates the layer with per-channel γ = 1, β = 0.</summary>
    public GroupNorm(int groups, int channels, float eps = 1e-5f)
    {
        if (groups < 1 || channels % groups != 0)
            throw new ArgumentException($"GroupNorm: {groups} groups must divide {channels} channels");
        Groups = groups;
        Eps = eps;
        Weight = Parameter(nameof(Weight), Tensor.Ones([channels]));
        Bias = Parameter(nameof(Bias), Tensor.Zeros([channels]));
    }

    /// <summary>Number of groups.</summary>
    public int Groups { get; }

    /// <summary>Added to the variance.</summary>
    public float Eps { get; }

    /// <summary>γ (C)</summary>
    public Tensor Weight { get; }

    /// <summary>β (C)</summary>
    public Tensor Bias { get; }

    /// <param name="x">(N, C, *)</param>
    public override Tensor Forward(Tensor x) => Normalization.GroupNorm(x, Groups, Weight, Bias, Eps);
}
