using Pare.Core;
using Pare.Graph.Ops;

namespace Pare.Graph.Execution;

/// <summary>One run's working set for a graph: its value slots, and per node the input array and the
/// <see cref="OpContext"/> the kernel sees, built once and reused by every run that takes this scope, so a run allocates
/// nothing per node. A scope serves one run at a time (its plan hands spare scopes to later runs); names not found in
/// its own slots are looked up in the scope of the enclosing graph's run.</summary>
internal sealed class Scope
{
    private readonly GraphPlan _plan;

    /// <summary>A scope for runs of <paramref name="plan"/>; its contexts run subgraphs through
    /// <paramref name="runSubgraph"/> with this scope as their enclosing one.</summary>
    public Scope(GraphPlan plan, bool training, Func<ModelGraph, IReadOnlyList<Tensor>, Scope, IReadOnlyList<Tensor>> runSubgraph)
    {
        _plan = plan;
        Values = (Tensor?[])plan.Template.Clone();
        Func<ModelGraph, IReadOnlyList<Tensor>, IReadOnlyList<Tensor>> run = (graph, inputs) => runSubgraph(graph, inputs, this);
        var count = plan.Nodes.Length;
        NodeInputs = new Tensor?[count][];
        Contexts = new OpContext[count];
        for (var n = 0; n < count; n++)
        {
            NodeInputs[n] = new Tensor?[plan.NodeInputSlots[n].Length];
            Contexts[n] = new OpContext(plan.Nodes[n], plan.Opsets[n], NodeInputs[n], training, run);
        }
    }

    /// <summary>The scope of the enclosing graph's run (null for the main graph).</summary>
    public Scope? Parent { get; set; }

    /// <summary>The values of this graph, indexed by the plan's slots.</summary>
    public Tensor?[] Values { get; }

    /// <summary>Per node, the array its context reads its inputs from (filled just before the node runs).</summary>
    public Tensor?[][] NodeInputs { get; }

    /// <summary>Per node, the context its kernel is called with.</summary>
    public OpContext[] Contexts { get; }

    /// <summary>Back to the plan's starting values (initializers only), dropping every reference of the last run.</summary>
    public void Reset()
    {
        Array.Copy(_plan.Template, Values, Values.Length);
        Parent = null;
    }

    /// <summary>The plan this scope runs.</summary>
    public GraphPlan Plan => _plan;

    /// <summary>The value of <paramref name="name"/> in this scope or the nearest enclosing one that holds it.</summary>
    public Tensor? Find(string name)
    {
        for (var scope = this; scope is not null; scope = scope.Parent)
            if (scope._plan.Slots.TryGetValue(name, out var slot) && scope.Values[slot] is { } value) return value;
        return null;
    }
}
