using Pare.Core;
using Pare.Graph.Ops;

namespace Pare.Graph.Execution;

/// <summary>A graph prepared to run: nodes in order with their resolved kernels, every value given an index (slot) in
/// a flat array so the runner never looks names up, and for every value the node after which it dies (values are
/// released by liveness). Names a subgraph reads from enclosing scopes get slots too, filled when it starts.</summary>
internal sealed class GraphPlan
{
    public GraphPlan(ModelGraph graph, Func<string, long> opsetOf, IReadOnlySet<string>? outerScope)
    {
        Graph = graph;
        graph.Sort(outerScope);
        var count = graph.Nodes.Count;
        Nodes = [.. graph.Nodes];
        Kernels = new OpDefinition[count];
        Opsets = new long[count];
        var lastUse = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var i = 0; i < count; i++)
        {
            var node = graph.Nodes[i];
            Opsets[i] = opsetOf(node.Domain);
            Kernels[i] = OpRegistry.Resolve(node, Opsets[i]);
            foreach (var input in node.Inputs) if (input.Length > 0) lastUse[input] = i;
            foreach (var name in FreeVariables.Of(node)) lastUse[name] = i;
        }
        var defined = new HashSet<string>(graph.Inputs.Select(i => i.Name), StringComparer.Ordinal);
        defined.UnionWith(graph.Initializers.Keys);
        foreach (var node in graph.Nodes) defined.UnionWith(node.Outputs);
        foreach (var output in graph.Outputs)
        {
            // a subgraph may return a value of an enclosing scope; the main graph must define what it returns
            if (outerScope is null && !defined.Contains(output.Name))
                throw new GraphException($"graph '{graph.Name}': output '{output.Name}' is not an input, an initializer or any node's output");
            lastUse[output.Name] = int.MaxValue;
        }
        foreach (var name in graph.Initializers.Keys) lastUse[name] = int.MaxValue;
        ReleaseAfter = new List<string>[count];
        for (var i = 0; i < ReleaseAfter.Length; i++) ReleaseAfter[i] = [];
        foreach (var (name, index) in lastUse)
            if (index != int.MaxValue) ReleaseAfter[index].Add(name);
        // values produced but never read die right after their producer
        for (var i = 0; i < count; i++)
            foreach (var output in graph.Nodes[i].Outputs)
                if (output.Length > 0 && !lastUse.ContainsKey(output)) ReleaseAfter[i].Add(output);

        // slots: inputs, initializers, node outputs, then the names read from enclosing scopes
        var slots = new Dictionary<string, int>(StringComparer.Ordinal);
        int SlotOf(string name) => slots.TryGetValue(name, out var s) ? s : slots[name] = slots.Count;
        InputSlots = [.. graph.Inputs.Select(i => SlotOf(i.Name))];
        foreach (var name in graph.Initializers.Keys) SlotOf(name);
        foreach (var node in graph.Nodes)
            foreach (var output in node.Outputs) if (output.Length > 0) SlotOf(output);
        var outer = new List<string>();
        foreach (var name in lastUse.Keys)
            if (!slots.ContainsKey(name)) { outer.Add(name); SlotOf(name); }
        OuterNames = [.. outer];
        OuterSlots = [.. outer.Select(n => slots[n])];
        NodeInputSlots = new int[count][];
        NodeOutputSlots = new int[count][];
        ReleaseSlots = new int[count][];
        for (var i = 0; i < count; i++)
        {
            var node = graph.Nodes[i];
            NodeInputSlots[i] = [.. node.Inputs.Select(n => n.Length == 0 ? -1 : slots[n])];
            NodeOutputSlots[i] = [.. node.Outputs.Select(n => n.Length == 0 ? -1 : slots[n])];
            ReleaseSlots[i] = [.. ReleaseAfter[i].Select(n => slots[n])];
        }
        OutputSlots = [.. graph.Outputs.Select(o => slots[o.Name])];
        Slots = slots;
        // initializers are filled once here; each run starts from a copy of this array
        Template = new Tensor?[slots.Count];
        foreach (var (name, value) in graph.Initializers) Template[slots[name]] = value;
    }

    public ModelGraph Graph { get; }

    /// <summary>The graph's nodes in the order they run (as sorted when the plan was made).</summary>
    public Node[] Nodes { get; }

    public OpDefinition[] Kernels { get; }

    public long[] Opsets { get; }

    /// <summary>Names whose last reader is node i.</summary>
    public List<string>[] ReleaseAfter { get; }

    /// <summary>Slot of every value name of this graph (and of the enclosing values it reads).</summary>
    public IReadOnlyDictionary<string, int> Slots { get; }

    /// <summary>Slot values at the start of a run: the initializers, everything else empty.</summary>
    public Tensor?[] Template { get; }

    /// <summary>Slots of the graph's inputs, in order.</summary>
    public int[] InputSlots { get; }

    /// <summary>Slots of the graph's outputs, in order.</summary>
    public int[] OutputSlots { get; }

    /// <summary>Names read from enclosing scopes, and their slots.</summary>
    public string[] OuterNames { get; }

    /// <summary>Slots of <see cref="OuterNames"/>.</summary>
    public int[] OuterSlots { get; }

    /// <summary>Per node, the slot of each input (-1 when omitted).</summary>
    public int[][] NodeInputSlots { get; }

    /// <summary>Per node, the slot of each output (-1 when unnamed).</summary>
    public int[][] NodeOutputSlots { get; }

    /// <summary>Per node, the slots whose last reader it is.</summary>
    public int[][] ReleaseSlots { get; }

    // one scope kept between runs; a run that finds it taken (a concurrent run) builds its own
    private Scope? _spare;

    // where each of OuterNames was found (scopes up, slot there) below the enclosing plan it was resolved under
    private OuterSites? _outerSites;

    /// <summary>Fills the slots of the names this (sub)graph reads from enclosing scopes. A name's home (how many
    /// scopes up, which slot) depends only on the plans of the enclosing graphs, so it is looked up by name once and
    /// read directly afterwards; an empty home slot (or another enclosing plan) falls back to the lookup by name,
    /// which goes on to the scopes further up.</summary>
    public void BindOuter(Tensor?[] values, Scope? outer)
    {
        if (OuterSlots.Length == 0) return;
        if (outer is null)
        {
            foreach (var slot in OuterSlots) values[slot] = null;
            return;
        }
        var sites = _outerSites;
        if (sites is null || !ReferenceEquals(sites.Parent, outer.Plan))
            _outerSites = sites = Resolve(outer);
        for (var i = 0; i < OuterSlots.Length; i++)
        {
            var (up, slot, home) = sites.Homes[i];
            Tensor? value = null;
            if (up >= 0)
            {
                var scope = outer;
                for (var u = 0; u < up && scope is not null; u++) scope = scope.Parent;
                // the same plan as when resolved (a graph shared by two enclosing graphs could differ further up)
                if (scope is not null && ReferenceEquals(scope.Plan, home)) value = scope.Values[slot];
            }
            values[OuterSlots[i]] = value ?? outer.Find(OuterNames[i]);
        }
    }

    private OuterSites Resolve(Scope outer)
    {
        var homes = new (int Up, int Slot, GraphPlan? Home)[OuterNames.Length];
        for (var i = 0; i < homes.Length; i++)
        {
            homes[i] = (-1, -1, null);
            var up = 0;
            for (var scope = outer; scope is not null; scope = scope.Parent, up++)
                if (scope.Plan.Slots.TryGetValue(OuterNames[i], out var slot))
                {
                    homes[i] = (up, slot, scope.Plan);
                    break;
                }
        }
        return new OuterSites(outer.Plan, homes);
    }

    private sealed record OuterSites(GraphPlan Parent, (int Up, int Slot, GraphPlan? Home)[] Homes);

    /// <summary>The scope a finished run gave back (reset), or null when there is none.</summary>
    public Scope? TakeSpare() => Interlocked.Exchange(ref _spare, null);

    /// <summary>Keeps <paramref name="scope"/> (reset) for the next run.</summary>
    public void GiveBack(Scope scope)
    {
        scope.Reset();
        Volatile.Write(ref _spare, scope);
    }
}
