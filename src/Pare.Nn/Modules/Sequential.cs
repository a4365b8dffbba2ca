using Pare.Nn.Export;
using Pare.Graph.Building;
using Pare.Core;

namespace Pare.Nn.Modules;

/// <summary>Modules applied in order; children are named "0", "1", … as in PyTorch's nn.Sequential.</summary>
public sealed class Sequential : Module
{
    private readonly Module[] _layers;

    /// <summary>Creates the sequence.</summary>
    public Sequential(params Module[] layers)
    {
        ArgumentNullException.ThrowIfNull(layers);
        _layers = layers;
        for (int i = 0; i < layers.Length; i++) Child(i.ToString(System.Globalization.CultureInfo.InvariantCulture), layers[i]);
    }

    /// <summary>The layers.</summary>
    public IReadOnlyList<Module> Layers => _layers;

    /// <inheritdoc/>
    public override Tensor Forward(Tensor x)
    {
        foreach (var layer in _layers) x = layer.Forward(x);
        return x;
    }

    /// <inheritdoc/>
    public override string Export(GraphBuilder g, string input)
    {
        foreach (var layer in _layers) input = ExportChild(g, layer, input);
        return input;
    }
}
