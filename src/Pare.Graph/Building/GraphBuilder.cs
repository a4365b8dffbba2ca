using Pare.Core;

namespace Pare.Graph.Building;

/// <summary>Builds a <see cref="ModelGraph"/> node by node with unique value and node names. Layers export through
/// it: weights keep their state-dict names as initializer names, nodes are named after the layer path
/// (<see cref="Scope"/>), so an exported model reads like the code that built it.</summary>
public sealed class GraphBuilder
{
    private readonly HashSet<string> _names = new(StringComparer.Ordinal);
    private readonly Stack<string> _scopes = new();

    /// <summary>A builder for a graph named <paramref name="name"/>.</summary>
    public GraphBuilder(string name) => Graph = new ModelGraph { Name = name };

    /// <summary>The graph built so far.</summary>
    public ModelGraph Graph { get; }

    /// <summary>The current layer path ("" at the top), e.g. "features.3".</summary>
    public string Scope => _scopes.Count == 0 ? "" : _scopes.Peek();

    /// <summary>Enters a child layer named <paramref name="name"/>; dispose to leave it.</summary>
    public IDisposable Enter(string name)
    {
        _scopes.Push(Scope.Length == 0 ? name : $"{Scope}.{name}");
        return new Leave(_scopes);
    }

    /// <summary>Declares a graph input.</summary>
    public string Input(string name, ElementType type, IReadOnlyList<Dim> shape)
    {
        Graph.Inputs.Add(new ValueInfo(Claim(name), type, shape));
        return name;
    }

    /// <summary>Declares <paramref name="value"/> a graph output, renamed to <paramref name="name"/> through an
    /// Identity when the names differ.</summary>
    public void Output(string value, string name, ElementType type, IReadOnlyList<Dim>? shape)
    {
        if (value != name)
        {
            Graph.Nodes.Add(new Node(Claim($"{name}_identity"), "Identity", [value], [Claim(name)]));
        }
        Graph.Outputs.Add(new ValueInfo(name, type, shape));
    }

    /// <summary>A weight named <paramref name="name"/> relative to the current scope (its state-dict name).</summary>
    public string Weight(string name, Tensor value)
    {
        var full = Scope.Length == 0 ? name : $"{Scope}.{name}";
        Graph.Initializers.Add(Claim(full), value.Detach().Contiguous());
        return full;
    }

    /// <summary>A constant (shape, axes, scalar) as an initializer with a generated name.</summary>
    public string Constant(Tensor value, string hint)
    {
        var name = Unique(Scope.Length == 0 ? hint : $"{Scope}.{hint}");
        Graph.Initializers.Add(name, value.Detach().Contiguous());
        return name;
    }

    /// <summary>An int64 vector constant.</summary>
    public string Int64s(string hint, params long[] values) => Constant(Tensor.FromSpan<long>(values), hint);

    /// <summary>Adds a node with one output and returns the output's name.</summary>
    public string Add(string opType, string[] inputs, params (string Name, AttributeValue Value)[] attributes) =>
        Add(opType, inputs, 1, attributes)[0];

    /// <summary>Adds a node with <paramref name="outputs"/> outputs and returns their names.</summary>
    public string[] Add(string opType, string[] inputs, int outputs, params (string Name, AttributeValue Value)[] attributes)
    {
        var stem = Scope.Length == 0 ? opType : $"{Scope}.{opType}";
        var nodeName = Unique(stem);
        var outputNames = Enumerable.Range(0, outputs).Select(i => Unique(outputs == 1 ? $"{nodeName}_out" : $"{nodeName}_out{i}")).ToArray();
        var node = new Node(nodeName, opType, inputs, outputNames);
        foreach (var (name, value) in attributes) node.Attributes.Set(name, value);
        Graph.Nodes.Add(node);
        return outputNames;
    }

    private string Claim(string name) =>
        _names.Add(name) ? name : throw new ArgumentException($"name '{name}' is used twice in graph '{Graph.Name}'");

    private string Unique(string stem)
    {
        var name = stem;
        for (var k = 1; !_names.Add(name); k++) name = $"{stem}_{k}";
        return name;
    }

    private sealed class Leave(Stack<string> scopes) : IDisposable
    {
        public void Dispose() => scopes.Pop();
    }
}
