namespace Pare.Graph.Analysis;

/// <summary>Per-node costs of a model and their totals, measured on one run with the inputs in
/// <see cref="Inputs"/>.</summary>
public sealed class ModelCost
{
    /// <summary>The inputs the model was run on (symbolic dimensions bound).</summary>
    public required IReadOnlyList<ValueShape> Inputs { get; init; }

    /// <summary>The model's outputs as produced.</summary>
    public required IReadOnlyList<ValueShape> Outputs { get; init; }

    /// <summary>Every node that ran, in execution order (subgraph nodes before the node that owns them).</summary>
    public required IReadOnlyList<NodeCost> Nodes { get; init; }

    /// <summary>Elements of every weight in the model (initializers of all graphs and Constant-node tensors),
    /// counted once each; equals the parameter count of the file.</summary>
    public required long Parameters { get; init; }

    /// <summary>Bytes of those weights.</summary>
    public required long WeightBytes { get; init; }

    /// <summary>Sum of the nodes' MACs.</summary>
    public long Macs => Nodes.Sum(n => n.Macs);

    /// <summary>Sum of the nodes' FLOPs.</summary>
    public long Flops => Nodes.Sum(n => n.Flops);

    /// <summary>Sum of the bytes every node produces (what the run allocates for activations in total).</summary>
    public long ActivationBytes => Nodes.Sum(n => n.ActivationBytes);

    /// <summary>Most activation bytes alive at once in the main graph when each value is released right after its
    /// last reader, as the executor does (graph inputs included, weights excluded; a subgraph's internal values are
    /// not included, only what it returns).</summary>
    public required long PeakActivationBytes { get; init; }
}
