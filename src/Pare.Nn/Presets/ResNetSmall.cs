using Pare.Nn.Export;
using Pare.Graph.Building;
using Pare.Core;
using Pare.Core.Ops;
using Pare.Core.Random;
using Pare.Nn.Modules;

namespace Pare.Nn.Presets;

/// <summary>A small CIFAR ResNet: conv3×3(3→16)-bn-relu stem, three stages of two <see cref="ResidualBlock"/>s
/// (16, 32, 64 channels; stride 2 entering stages 2 and 3), global average pool and a linear head. Names:
/// <c>conv1</c>, <c>bn1</c>, <c>layer{1,2,3}.{0,1}.…</c>, <c>fc</c>.</summary>
public sealed class ResNetSmall : Module
{
    private readonly Sequential[] _stages;

    /// <summary>Creates the model.</summary>
    public ResNetSmall(Rng rng, int classes = 10, int inChannels = 3)
    {
        Conv1 = Child("conv1", new Conv2d(inChannels, 16, 3, rng, padding: 1, bias: false));
        Bn1 = Child("bn1", new BatchNorm(16));
        int[] widths = [16, 32, 64];
        _stages = new Sequential[3];
        int c = 16;
        for (int s = 0; s < 3; s++)
        {
            int stride = s == 0 ? 1 : 2;
            _stages[s] = Child($"layer{s + 1}", new Sequential(new ResidualBlock(c, widths[s], rng, stride), new ResidualBlock(widths[s], widths[s], rng)));
            c = widths[s];
        }
        Fc = Child("fc", new Linear(64, classes, rng));
    }

    /// <summary>resnet-small for CIFAR-10.</summary>
    public static ResNetSmall Create(Rng rng, int classes = 10) => new(rng, classes);

    /// <summary>Stem convolution.</summary>
    public Conv2d Conv1 { get; }

    /// <summary>Stem batch norm.</summary>
    public BatchNorm Bn1 { get; }

    /// <summary>Head.</summary>
    public Linear Fc { get; }

    /// <param name="x">(N, C, H, W)</param>
    /// <returns>(N, classes)</returns>
    public override Tensor Forward(Tensor x)
    {
        var h = Elementwise.Relu(Bn1.Forward(Conv1.Forward(x)));
        foreach (var stage in _stages) h = stage.Forward(h);
        return Fc.Forward(Pooling.GlobalAvgPool2d(h).Flatten(1));
    }

    /// <inheritdoc/>
    public override string Export(GraphBuilder g, string input)
    {
        ArgumentNullException.ThrowIfNull(g);
        var h = g.Add("Relu", [ExportChild(g, Bn1, ExportChild(g, Conv1, input))]);
        foreach (var stage in _stages) h = ExportChild(g, stage, h);
        var pooled = g.Add("Flatten", [g.Add("GlobalAveragePool", [h])], OnnxExport.Attr("axis", 1L));
        return ExportChild(g, Fc, pooled);
    }
}
