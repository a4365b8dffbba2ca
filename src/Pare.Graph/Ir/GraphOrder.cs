namespace Pare.Graph;

/// <summary>Topological ordering of a graph's nodes (Kahn's algorithm, stable, iterative so deep graphs cannot
/// overflow the stack).</summary>
internal static class GraphOrder
{
    public static void Sort(ModelGraph graph, IReadOnlySet<string>? outerScope)
    {
        var available = new HashSet<string>(StringComparer.Ordinal) { "" };
        foreach (var input in graph.Inputs) available.Add(input.Name);
        foreach (var name in graph.Initializers.Keys) available.Add(name);
        var producers = graph.Producers();

        // pending[i] = inputs of node i not yet available and produced inside this graph
        var pending = new int[graph.Nodes.Count];
        var consumers = new Dictionary<string, List<int>>(StringComparer.Ordinal);
        for (var i = 0; i < graph.Nodes.Count; i++)
        {
            var node = graph.Nodes[i];
            // a node with subgraphs (If, Loop) also depends on the values of this graph its subgraphs read
            var free = Execution.FreeVariables.Of(node).Where(producers.ContainsKey);
            foreach (var input in node.Inputs.Concat(free).Distinct())
            {
                if (available.Contains(input)) continue;
                if (!producers.ContainsKey(input))
                {
                    if (outerScope?.Contains(input) == true) continue;
                    throw GraphException.At(node, $"input '{input}' is not a graph input, an initializer or any node's output");
                }
                pending[i]++;
                if (!consumers.TryGetValue(input, out var list)) consumers[input] = list = [];
                list.Add(i);
            }
        }

        var ready = new PriorityQueue<int, int>();
        for (var i = 0; i < pending.Length; i++)
            if (pending[i] == 0) ready.Enqueue(i, i);
        var order = new List<Node>(graph.Nodes.Count);
        while (ready.TryDequeue(out var index, out _))
        {
            var node = graph.Nodes[index];
            order.Add(node);
            foreach (var output in node.Outputs)
            {
                if (output.Length == 0 || !consumers.TryGetValue(output, out var list)) continue;
                foreach (var consumer in list)
                    if (--pending[consumer] == 0) ready.Enqueue(consumer, consumer);
            }
        }
        if (order.Count != graph.Nodes.Count)
        {
            var stuck = graph.Nodes.Where((_, i) => pending[i] > 0).First();
            throw GraphException.At(stuck, "is part of a cycle (its inputs depend on its own outputs)");
        }
        graph.Nodes.Clear();
        graph.Nodes.AddRange(order);
    }
}
