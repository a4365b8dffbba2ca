using Pare.Nn.Export;
using Pare.Graph.Building;
using Pare.Core;

namespace Pare.Nn.Modules;

/// <summary>Flattens all dimensions after the first: (N, *) → (N, ∏*).</summary>
public sealed class Flatten : Module
{
    /// <inheritdoc/>
    public override Tensor Forward(Tensor x)
    {
        ArgumentNullException.ThrowIfNull(x);
        return x.Rank <= 1 ? x : x.Flatten(1);
    }

    /// <inheritdoc/>
    public override string Export(GraphBuilder g, string input)
    {
        ArgumentNullException.ThrowIfNull(g);
        return g.Add("Flatten", [input], OnnxExport.Attr("axis", 1L));
    }
}
