using Pare.Graph.Ops;

namespace Pare.Graph.Execution;

/// <summary>A graph prepared to run: nodes in order with their resolved kernels, and for every value the index of the
/// last node that reads it, so its buffer can be dropped right after (values are released by liveness).</summary>
internal sealed class GraphPlan
{
    public GraphPlan(ModelGraph graph, Func<string, long> opsetOf, IReadOnlySet<string>? outerScope)
    {
        Graph = graph;
        graph.Sort(outerScope);
        Kernels = new OpDefinition[graph.Nodes.Count];
        Opsets = new long[graph.Nodes.Count];
        var lastUse = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var i = 0; i < graph.Nodes.Count; i++)
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
        ReleaseAfter = new List<string>[graph.Nodes.Count];
        for (var i = 0; i < ReleaseAfter.Length; i++) ReleaseAfter[i] = [];
        foreach (var (name, index) in lastUse)
            if (index != int.MaxValue) ReleaseAfter[index].Add(name);
        // values produced but never read die right after their producer
        for (var i = 0; i < graph.Nodes.Count; i++)
            foreach (var output in graph.Nodes[i].Outputs)
                if (output.Length > 0 && !lastUse.ContainsKey(output)) ReleaseAfter[i].Add(output);
    }

    public ModelGraph Graph { get; }

    public OpDefinition[] Kernels { get; }

    public long[] Opsets { get; }

    /// <summary>Names whose last reader is node i.</summary>
    public List<string>[] ReleaseAfter { get; }
}
