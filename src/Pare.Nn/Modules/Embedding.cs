using Pare.Nn.Export;
using Pare.Graph.Building;
using Pare.Core;
using Pare.Core.Ops;
using Pare.Core.Random;

namespace Pare.Nn.Modules;

/// <summary>A lookup table of vectors, initialized N(0, 1) like PyTorch's.</summary>
public sealed class Embedding : Module
{
    /// <summary>Creates a table of <paramref name="count"/> vectors of size <paramref name="dim"/>.</summary>
    public Embedding(int count, int dim, Rng rng)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(count, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(dim, 1);
        Weight = Parameter(nameof(Weight), Tensor.Normal([count, dim], 0, 1, rng));
    }

    /// <summary>(count, dim)</summary>
    public Tensor Weight { get; }

    /// <param name="x">indices (*) int64 or int32</param>
    /// <returns>(*, dim)</returns>
    public override Tensor Forward(Tensor x) => Indexing.Embedding(x, Weight);

    /// <inheritdoc/>
    public override string Export(GraphBuilder g, string input)
    {
        ArgumentNullException.ThrowIfNull(g);
        return g.Add("Gather", [g.Weight("weight", Weight), input], OnnxExport.Attr("axis", 0L));
    }

    /// <summary>Exports the first <paramref name="count"/> rows of the table (a one-element int64 value): the
    /// embeddings of positions 0..count−1.</summary>
    public string ExportFirstRows(GraphBuilder g, string count)
    {
        ArgumentNullException.ThrowIfNull(g);
        var zero = g.Int64s("zero", 0);
        return g.Add("Slice", [g.Weight("weight", Weight), zero, count, zero]);
    }
}
