using Pare.Core;
using Pare.Core.Autograd;
using Pare.Graph.Ops;

namespace Pare.Graph.Optimization;

/// <summary>Evaluates, once, every node whose inputs are all constants (initializers, or outputs of nodes folded
/// before it) and replaces it by initializers holding its outputs: Constant nodes, weight transposes, and the
/// shape arithmetic exporters emit. Subgraphs (If branches, Loop bodies) are folded too, seeing the constants of the
/// graphs enclosing them, so weights an exporter spelled as Constant nodes inside a branch become initializers there
/// (which kernels may then pack once). Nodes with subgraphs, random ops and outputs larger than
/// <see cref="MaxFoldedElements"/> are left alone.</summary>
internal static class ConstantFolding
{
    /// <summary>Largest output (elements) folded into an initializer.</summary>
    public const int MaxFoldedElements = 1 << 24;

    private static readonly HashSet<string> NonDeterministic = new(StringComparer.Ordinal)
    {
        "RandomNormal", "RandomNormalLike", "RandomUniform", "RandomUniformLike", "Multinomial", "Bernoulli", "Dropout",
    };

    public static int Run(Model model)
    {
        using var _ = Tape.NoGrad();
        return Fold(model, model.Graph, new Dictionary<string, Tensor>(StringComparer.Ordinal));
    }

    // Folds graph (in node order), then its subgraphs; outer holds the constants of the enclosing graphs. A name this
    // graph defines itself (input or node output) hides an outer one of the same name.
    private static int Fold(Model model, ModelGraph graph, Dictionary<string, Tensor> outer)
    {
        var visible = new Dictionary<string, Tensor>(outer, StringComparer.Ordinal);
        foreach (var input in graph.Inputs) visible.Remove(input.Name);
        foreach (var node in graph.Nodes)
            foreach (var output in node.Outputs) visible.Remove(output);
        foreach (var (name, value) in graph.Initializers) visible[name] = value;
        var outputs = graph.Outputs.Select(o => o.Name).ToHashSet(StringComparer.Ordinal);
        var folded = 0;
        for (var i = 0; i < graph.Nodes.Count; i++)
        {
            var node = graph.Nodes[i];
            if (!Foldable(node, visible)) continue;
            var kernel = OpRegistry.Find(node.Domain, node.OpType);
            if (kernel is null) continue;
            var inputs = node.Inputs.Select(n => n.Length == 0 ? null : visible[n]).ToArray();
            Tensor?[] results;
            try
            {
                results = kernel.Run(new OpContext(node, model.OpsetOf(node.Domain), inputs, false,
                    (_, _) => throw new InvalidOperationException("no subgraphs while folding")));
            }
            catch (Exception e) when (e is PareException or ArgumentException or InvalidOperationException)
            {
                continue; // the executor reports it, with the node's name, when the model runs
            }
            if (results.Length < node.Outputs.Count(o => o.Length > 0)
                || results.Any(r => r is not null && r.Shape.ElementCount > MaxFoldedElements)) continue;
            var keep = false;
            for (var o = 0; o < node.Outputs.Count; o++)
            {
                var name = node.Outputs[o];
                if (name.Length == 0) continue;
                if (outputs.Contains(name) || results[o] is null) { keep = true; break; }
            }
            if (keep) continue;
            for (var o = 0; o < node.Outputs.Count; o++)
                if (node.Outputs[o].Length > 0) graph.Initializers[node.Outputs[o]] = visible[node.Outputs[o]] = results[o]!.Detach();
            graph.Nodes.RemoveAt(i--);
            folded++;
        }
        foreach (var node in graph.Nodes)
            foreach (var (_, attribute) in node.Attributes)
            {
                if (attribute.G is { } g) folded += Fold(model, g, visible);
                foreach (var sub in attribute.Graphs) folded += Fold(model, sub, visible);
            }
        return folded;
    }

    private static bool Foldable(Node node, Dictionary<string, Tensor> constants) =>
        !NonDeterministic.Contains(node.OpType)
        && node.Attributes.All(a => a.Value.G is null && a.Value.Graphs.Length == 0)
        && node.Inputs.All(n => n.Length == 0 || constants.ContainsKey(n));
}
