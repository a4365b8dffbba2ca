namespace Pare.Graph.Execution;

/// <summary>Names a node's subgraphs read from enclosing scopes (values they use but do not define).</summary>
internal static class FreeVariables
{
    public static IEnumerable<string> Of(Node node)
    {
        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (_, attribute) in node.Attributes)
        {
            if (attribute.G is { } g) Collect(g, names);
            foreach (var sub in attribute.Graphs) Collect(sub, names);
        }
        return names;
    }

    private static void Collect(ModelGraph graph, HashSet<string> names)
    {
        var defined = new HashSet<string>(StringComparer.Ordinal) { "" };
        foreach (var input in graph.Inputs) defined.Add(input.Name);
        foreach (var name in graph.Initializers.Keys) defined.Add(name);
        foreach (var node in graph.Nodes)
            foreach (var output in node.Outputs) defined.Add(output);
        foreach (var node in graph.Nodes)
        {
            foreach (var input in node.Inputs)
                if (!defined.Contains(input)) names.Add(input);
            foreach (var inner in Of(node))
                if (!defined.Contains(inner)) names.Add(inner);
        }
        foreach (var output in graph.Outputs)
            if (!defined.Contains(output.Name)) names.Add(output.Name);
    }
}
