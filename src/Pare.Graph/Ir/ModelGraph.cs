using Pare.Core;

namespace Pare.Graph;

/// <summary>A computation graph: declared inputs and outputs, nodes, and initializers (named constant tensors, the
/// parameters). Values are referred to by name, as in ONNX; a subgraph (a branch of If, a Loop body) may also read
/// values of the graphs enclosing it.</summary>
public sealed class ModelGraph
{
    /// <summary>Graph name.</summary>
    public string Name { get; set; } = "";

    /// <summary>Inputs the caller feeds, in order (initializers are not listed here).</summary>
    public List<ValueInfo> Inputs { get; } = [];

    /// <summary>Outputs in order.</summary>
    public List<ValueInfo> Outputs { get; } = [];

    /// <summary>Nodes; <see cref="Sort"/> puts them in an order where each node follows its producers.</summary>
    public List<Node> Nodes { get; } = [];

    /// <summary>Named constant tensors (weights), in insertion order of the file.</summary>
    public Dictionary<string, Tensor> Initializers { get; } = new(StringComparer.Ordinal);

    /// <summary>Declared types of intermediate values, when the file gives them.</summary>
    public Dictionary<string, ValueInfo> ValueInfos { get; } = new(StringComparer.Ordinal);

    /// <summary>Free-text documentation carried over from the model file.</summary>
    public string DocString { get; set; } = "";

    /// <summary>Number of parameters: elements of all initializers.</summary>
    public long ParameterCount => Initializers.Values.Sum(t => (long)t.Shape.ElementCount);

    /// <summary>The node producing each value name.</summary>
    public Dictionary<string, Node> Producers()
    {
        var producers = new Dictionary<string, Node>(StringComparer.Ordinal);
        foreach (var node in Nodes)
            foreach (var output in node.Outputs)
                if (output.Length > 0 && !producers.TryAdd(output, node))
                    throw GraphException.At(node, $"output '{output}' is also produced by node '{producers[output].Name}'");
        return producers;
    }

    /// <summary>Orders <see cref="Nodes"/> so each node follows the producers of its inputs (stable for an already
    /// sorted graph). Fails, naming the node, on a cycle or on an input nobody produces; <paramref name="outerScope"/>
    /// lists the names a subgraph may read from enclosing graphs.</summary>
    public void Sort(IReadOnlySet<string>? outerScope = null) => GraphOrder.Sort(this, outerScope);

    /// <summary>A copy that can be rewritten without touching this graph: nodes, attributes and value lists are
    /// copied (subgraphs too); tensors are shared, since rewrites replace them rather than write into them.</summary>
    public ModelGraph Clone()
    {
        var copy = new ModelGraph { Name = Name, DocString = DocString };
        copy.Inputs.AddRange(Inputs);
        copy.Outputs.AddRange(Outputs);
        foreach (var (name, tensor) in Initializers) copy.Initializers[name] = tensor;
        foreach (var (name, info) in ValueInfos) copy.ValueInfos[name] = info;
        foreach (var node in Nodes)
        {
            var n = new Node(node.Name, node.OpType, node.Inputs, node.Outputs, node.Domain) { DocString = node.DocString };
            foreach (var (key, value) in node.Attributes)
                n.Attributes.Set(key, value with
                {
                    G = value.G?.Clone(),
                    Graphs = value.Graphs.Length == 0 ? value.Graphs : [.. value.Graphs.Select(g => g.Clone())],
                });
            copy.Nodes.Add(n);
        }
        return copy;
    }
}
