using Pare.Core;

namespace Pare.Graph.Execution;

/// <summary>Values visible while running a graph: its own slots, then those of the graphs enclosing it.</summary>
internal sealed class Scope
{
    private readonly Scope? _parent;
    private readonly GraphPlan _plan;

    public Scope(GraphPlan plan, Scope? parent)
    {
        _plan = plan;
        _parent = parent;
        Values = (Tensor?[])plan.Template.Clone();
    }

    /// <summary>The values of this graph, indexed by the plan's slots.</summary>
    public Tensor?[] Values { get; }

    public Tensor? Find(string name)
    {
        for (var scope = this; scope is not null; scope = scope._parent)
            if (scope._plan.Slots.TryGetValue(name, out var slot) && scope.Values[slot] is { } value) return value;
        return null;
    }
}
