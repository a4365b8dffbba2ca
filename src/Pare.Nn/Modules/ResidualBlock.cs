using Pare.Nn.Export;
using Pare.Graph.Building;
using Pare.Core;
using Pare.Core.Ops;
using Pare.Core.Random;

namespace Pare.Nn.Modules;

/// <summary>ResNet's basic block: relu(bn2(conv2(relu(bn1(conv1(x))))) + shortcut(x)), 3×3 convolutions without
/// bias; the shortcut is the identity, or a 1×1 convolution + batch norm (<c>shortcut.0</c>, <c>shortcut.1</c>)
/// when stride or channels change.</summary>
public sealed class ResidualBlock : Module
{
    /// <summary>Creates the block.</summary>
    public ResidualBlock(int inChannels, int outChannels, Rng rng, int stride = 1)
    {
        Conv1 = Child("conv1", new Conv2d(inChannels, outChannels, 3, rng, stride: stride, padding: 1, bias: false));
        Bn1 = Child("bn1", new BatchNorm(outChannels));
        Conv2 = Child("conv2", new Conv2d(outChannels, outChannels, 3, rng, padding: 1, bias: false));
        Bn2 = Child("bn2", new BatchNorm(outChannels));
        if (stride != 1 || inChannels != outChannels)
            Shortcut = Child("shortcut", new Sequential(new Conv2d(inChannels, outChannels, 1, rng, stride: stride, bias: false), new BatchNorm(outChannels)));
    }

    /// <summary>First 3×3 convolution (carries the stride).</summary>
    public Conv2d Conv1 { get; }

    /// <summary>Its batch norm.</summary>
    public BatchNorm Bn1 { get; }

    /// <summary>Second 3×3 convolution.</summary>
    public Conv2d Conv2 { get; }

    /// <summary>Its batch norm.</summary>
    public BatchNorm Bn2 { get; }

    /// <summary>1×1 projection + batch norm, or null for the identity.</summary>
    public Sequential? Shortcut { get; }

    /// <param name="x">(N, C_in, H, W)</param>
    /// <returns>(N, C_out, H/stride, W/stride)</returns>
    public override Tensor Forward(Tensor x)
    {
        ArgumentNullException.ThrowIfNull(x);
        var y = Bn2.Forward(Conv2.Forward(Elementwise.Relu(Bn1.Forward(Conv1.Forward(x)))));
        return Elementwise.Relu(Elementwise.Add(y, Shortcut is null ? x : Shortcut.Forward(x)));
    }

    /// <inheritdoc/>
    public override string Export(GraphBuilder g, string input)
    {
        ArgumentNullException.ThrowIfNull(g);
        var h = g.Add("Relu", [ExportChild(g, Bn1, ExportChild(g, Conv1, input))]);
        var y = ExportChild(g, Bn2, ExportChild(g, Conv2, h));
        var shortcut = Shortcut is null ? input : ExportChild(g, Shortcut, input);
        return g.Add("Relu", [g.Add("Add", [y, shortcut])]);
    }
}
