using Pare.Core;

namespace Pare.Graph.Analysis;

/// <summary>The weights of a model by value name: initializers of every graph and the tensors of Constant nodes
/// (exporters such as paddle2onnx store weights that way), found in subgraphs too.</summary>
internal sealed class WeightCatalog
{
    private readonly Dictionary<string, Tensor> _byName = new(StringComparer.Ordinal);
    private readonly List<Tensor> _all = [];

    public IReadOnlyList<Tensor> All => _all;

    public bool Contains(string name) => _byName.ContainsKey(name);

    public Tensor? Find(string name) => _byName.GetValueOrDefault(name);

    public static WeightCatalog Of(ModelGraph root)
    {
        var catalog = new WeightCatalog();
        var stack = new Stack<ModelGraph>();
        stack.Push(root);
        while (stack.Count > 0)
        {
            var graph = stack.Pop();
            foreach (var (name, tensor) in graph.Initializers) catalog.Add(name, tensor);
            foreach (var node in graph.Nodes)
            {
                if (node.OpType == "Constant" && node.Domain.Length == 0 && node.Outputs.Count == 1
                    && node.Attributes.Find("value") is { T: { } value })
                    catalog.Add(node.Outputs[0], value);
                foreach (var (_, attribute) in node.Attributes)
                {
                    if (attribute.G is { } g) stack.Push(g);
                    foreach (var sub in attribute.Graphs) stack.Push(sub);
                }
            }
        }
        return catalog;
    }

    private void Add(string name, Tensor tensor)
    {
        if (_byName.TryAdd(name, tensor)) _all.Add(tensor);
    }
}
