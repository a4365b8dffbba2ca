using Pare.Core;

namespace Pare.Graph.Execution;

/// <summary>Values visible while running a graph: its own, then those of the graphs enclosing it.</summary>
internal sealed class Scope(Scope? parent)
{
    private readonly Scope? _parent = parent;
    private readonly Dictionary<string, Tensor> _values = new(StringComparer.Ordinal);

    public void Set(string name, Tensor value) => _values[name] = value;

    public void Release(string name) => _values.Remove(name);

    public Tensor? Find(string name)
    {
        for (var scope = this; scope is not null; scope = scope._parent)
            if (scope._values.TryGetValue(name, out var value)) return value;
        return null;
    }
}
