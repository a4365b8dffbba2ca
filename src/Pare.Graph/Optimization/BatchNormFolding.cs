using Pare.Core;

namespace Pare.Graph.Optimization;

/// <summary>Folds an inference-mode BatchNormalization into the Conv before it: with s = γ / √(σ² + ε),
/// W' = W · s (per output channel) and b' = (b − μ) · s + β. Applies when the conv's weights (and bias) are
/// initializers and the batch norm is the conv output's only reader.</summary>
internal static class BatchNormFolding
{
    public static int Run(ModelGraph graph)
    {
        var readers = Readers(graph);
        var outputs = graph.Outputs.Select(o => o.Name).ToHashSet(StringComparer.Ordinal);
        var producers = graph.Producers();
        var folded = 0;
        for (var i = 0; i < graph.Nodes.Count; i++)
        {
            var bn = graph.Nodes[i];
            if (bn.OpType != "BatchNormalization" || bn.Domain.Length != 0 || bn.Inputs.Count < 5) continue;
            if (bn.Outputs.Skip(1).Any(o => o.Length > 0) || bn.Attributes.Int("training_mode", 0) != 0) continue;
            var x = bn.Inputs[0];
            if (!producers.TryGetValue(x, out var conv) || conv.OpType != "Conv" || conv.Domain.Length != 0) continue;
            if (outputs.Contains(x) || readers.GetValueOrDefault(x) != 1) continue;
            if (!Constants(graph, bn.Inputs.Skip(1).Take(4), out var stats)) continue;
            if (!Constants(graph, conv.Inputs.Skip(1), out var convWeights)) continue;
            var w = convWeights[0];
            var bias = convWeights.Length > 1 ? convWeights[1] : null;
            if (w.DType != DType.Float32 || stats.Any(t => t.DType != DType.Float32)) continue;
            var channels = w.Shape[0];
            if (stats.Any(t => t.Shape.ElementCount != channels)) continue;

            var eps = bn.Attributes.Float("epsilon", 1e-5f);
            var gamma = stats[0].Contiguous().AsSpan<float>();
            var beta = stats[1].Contiguous().AsSpan<float>();
            var mean = stats[2].Contiguous().AsSpan<float>();
            var variance = stats[3].Contiguous().AsSpan<float>();
            var oldW = w.Contiguous().AsSpan<float>();
            var newW = new float[oldW.Length];
            var newB = new float[channels];
            var perChannel = oldW.Length / Math.Max(channels, 1);
            var oldB = bias is null ? default : bias.Contiguous().AsSpan<float>();
            for (var c = 0; c < channels; c++)
            {
                var s = gamma[c] / MathF.Sqrt(variance[c] + eps);
                for (var k = 0; k < perChannel; k++) newW[c * perChannel + k] = oldW[c * perChannel + k] * s;
                newB[c] = ((bias is null ? 0f : oldB[c]) - mean[c]) * s + beta[c];
            }
            var wName = Fresh(graph, conv.Inputs[1] + "_bnfolded");
            var bName = Fresh(graph, conv.Name + "_bias_bnfolded");
            graph.Initializers[wName] = Tensor.Wrap(newW, w.Shape);
            graph.Initializers[bName] = Tensor.Wrap(newB, new Shape(channels));
            conv.Inputs[1] = wName;
            if (conv.Inputs.Count > 2) conv.Inputs[2] = bName; else conv.Inputs.Add(bName);
            conv.Outputs[0] = bn.Outputs[0];
            graph.Nodes.RemoveAt(i--);
            folded++;
        }
        if (folded > 0) DropUnused(graph);
        return folded;
    }

    private static Dictionary<string, int> Readers(ModelGraph graph)
    {
        var readers = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var node in graph.Nodes)
            foreach (var input in node.Inputs)
                if (input.Length > 0) readers[input] = readers.GetValueOrDefault(input) + 1;
        return readers;
    }

    private static bool Constants(ModelGraph graph, IEnumerable<string> names, out Tensor[] tensors)
    {
        var list = new List<Tensor>();
        foreach (var name in names)
        {
            if (name.Length == 0 || !graph.Initializers.TryGetValue(name, out var t)) { tensors = []; return false; }
            list.Add(t);
        }
        tensors = [.. list];
        return true;
    }

    private static string Fresh(ModelGraph graph, string stem)
    {
        var name = stem;
        for (var k = 1; graph.Initializers.ContainsKey(name); k++) name = $"{stem}_{k}";
        return name;
    }

    /// <summary>Removes initializers nothing reads any more (the unfolded weights and statistics).</summary>
    internal static void DropUnused(ModelGraph graph)
    {
        var used = new HashSet<string>(StringComparer.Ordinal);
        foreach (var node in graph.Nodes)
        {
            foreach (var input in node.Inputs) used.Add(input);
            foreach (var name in Execution.FreeVariables.Of(node)) used.Add(name);
        }
        foreach (var output in graph.Outputs) used.Add(output.Name);
        foreach (var name in graph.Initializers.Keys.Where(n => !used.Contains(n)).ToList()) graph.Initializers.Remove(name);
    }
}
