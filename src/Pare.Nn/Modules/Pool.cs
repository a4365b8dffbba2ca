using Pare.Graph.Building;
using Pare.Nn.Export;
using Pare.Core;
using Pare.Core.Ops;

namespace Pare.Nn.Modules;

/// <summary>Pooling over (N, C, H, W): max, average or global average.</summary>
public sealed class Pool : Module
{
    private readonly Func<Tensor, Tensor> _f;
    private readonly Func<GraphBuilder, string, string> _export;

    private Pool(Func<Tensor, Tensor> f, Func<GraphBuilder, string, string> export)
    {
        _f = f;
        _export = export;
    }

    private static Func<GraphBuilder, string, string> Window(string opType, int kernel, int? stride, int padding) =>
        (g, x) =>
        {
            (string, Pare.Graph.AttributeValue)[] attributes =
            [
                OnnxExport.Attr("kernel_shape", kernel, kernel),
                OnnxExport.Attr("strides", stride ?? kernel, stride ?? kernel),
                OnnxExport.Attr("pads", padding, padding, padding, padding),
            ];
            // Pare's average pool counts padding in the divisor, as PyTorch's does by default
            return opType == "AveragePool" ? g.Add(opType, [x], [.. attributes, OnnxExport.Attr("count_include_pad", 1L)]) : g.Add(opType, [x], attributes);
        };

    /// <summary>Max pooling with a square window (stride defaults to the window).</summary>
    public static Pool Max(int kernel, int? stride = null, int padding = 0) => new(x => Pooling.MaxPool2d(x, kernel, stride, padding), Window("MaxPool", kernel, stride, padding));

    /// <summary>Average pooling with a square window.</summary>
    public static Pool Average(int kernel, int? stride = null, int padding = 0) => new(x => Pooling.AvgPool2d(x, kernel, stride, padding), Window("AveragePool", kernel, stride, padding));

    /// <summary>Mean over H and W, keeping (N, C, 1, 1).</summary>
    public static Pool GlobalAverage() => new(Pooling.GlobalAvgPool2d, (g, x) => g.Add("GlobalAveragePool", [x]));

    /// <inheritdoc/>
    public override Tensor Forward(Tensor x) => _f(x);

    /// <inheritdoc/>
    public override string Export(GraphBuilder g, string input) => _export(g, input);
}
