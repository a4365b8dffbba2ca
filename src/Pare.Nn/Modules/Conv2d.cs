using Pare.Nn.Export;
using Pare.Graph.Building;
using Pare.Core;
using Pare.Core.Ops;
using Pare.Core.Random;

namespace Pare.Nn.Modules;

/// <summary>2-D convolution (groups = in_channels gives depthwise).</summary>
public sealed class Conv2d : Module
{
    /// <summary>Creates a layer with PyTorch's default initialization.</summary>
    public Conv2d(int inChannels, int outChannels, int kernel, Rng rng, int stride = 1, int padding = 0, int dilation = 1, int groups = 1, bool bias = true)
    {
        if (groups < 1 || inChannels % groups != 0 || outChannels % groups != 0)
            throw new ArgumentException($"Conv2d: groups {groups} must divide in_channels {inChannels} and out_channels {outChannels}");
        Options = (stride, padding, dilation, groups);
        int fanIn = inChannels / groups * kernel * kernel;
        Weight = Parameter(nameof(Weight), Init.KaimingUniform([outChannels, inChannels / groups, kernel, kernel], fanIn, rng));
        Bias = bias ? Parameter(nameof(Bias), Init.BiasUniform(outChannels, fanIn, rng)) : null;
    }

    /// <summary>Stride, padding, dilation, groups.</summary>
    public (int Stride, int Padding, int Dilation, int Groups) Options { get; }

    /// <summary>(C_out, C_in/groups, k, k)</summary>
    public Tensor Weight { get; }

    /// <summary>(C_out) or null</summary>
    public Tensor? Bias { get; }

    /// <param name="x">(N, C_in, H, W)</param>
    /// <returns>(N, C_out, H_out, W_out)</returns>
    public override Tensor Forward(Tensor x) =>
        Convolution.Conv2d(x, Weight, Bias, Options.Stride, Options.Padding, Options.Dilation, Options.Groups);

    /// <inheritdoc/>
    public override string Export(GraphBuilder g, string input)
    {
        ArgumentNullException.ThrowIfNull(g);
        var (stride, padding, dilation, groups) = Options;
        string[] inputs = Bias is null ? [input, g.Weight("weight", Weight)] : [input, g.Weight("weight", Weight), g.Weight("bias", Bias)];
        return g.Add("Conv", inputs,
            OnnxExport.Attr("kernel_shape", (long)Weight.Dim(2), (long)Weight.Dim(3)),
            OnnxExport.Attr("strides", (long)stride, (long)stride),
            OnnxExport.Attr("pads", (long)padding, (long)padding, (long)padding, (long)padding),
            OnnxExport.Attr("dilations", (long)dilation, (long)dilation),
            OnnxExport.Attr("group", (long)groups));
    }
}
