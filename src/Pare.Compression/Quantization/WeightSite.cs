using Pare.Core;
using Pare.Graph;

namespace Pare.Compression.Quantization;

/// <summary>A weight the pass quantizes: input <see cref="Input"/> of <see cref="Node"/> in <see cref="Graph"/> (the
/// main graph or a subgraph such as an If branch), a float initializer held by <see cref="Owner"/> (that graph or one
/// enclosing it, when a branch reads an outer weight).</summary>
/// <param name="Graph">graph holding the node</param>
/// <param name="Node">Conv, Gemm, MatMul (weight at input 1) or LSTM/GRU/RNN (W at 1, R at 2)</param>
/// <param name="Input">index of the weight among the node's inputs</param>
/// <param name="Owner">graph whose initializers hold the weight</param>
internal sealed record WeightSite(ModelGraph Graph, Node Node, int Input, ModelGraph Owner)
{
    /// <summary>Name of the weight.</summary>
    public string Name => Node.Inputs[Input];

    /// <summary>The float weight.</summary>
    public Tensor Weight => Owner.Initializers[Name];

    /// <summary>Conv, Gemm or MatMul: layers whose activations static mode quantizes; recurrent weights stay weight-only.</summary>
    public bool IsLinear => Node.OpType is "Conv" or "Gemm" or "MatMul";

    /// <summary>Axis indexing output channels: 0 for Conv and transB Gemm, 1 for MatMul/Gemm [K, N] and for
    /// recurrent weights [directions, gates·hidden, inputs].</summary>
    public int Axis => IsLinear ? QdqRewriter.OutputAxis(Node) : 1;

    /// <summary>The weights of <paramref name="main"/> and of every subgraph in it, in graph order.</summary>
    public static List<WeightSite> FindAll(ModelGraph main)
    {
        ArgumentNullException.ThrowIfNull(main);
        var list = new List<WeightSite>();
        Walk(main, [main], list);
        return list;
    }

    private static void Walk(ModelGraph graph, List<ModelGraph> chain, List<WeightSite> list)
    {
        foreach (var n in graph.Nodes)
        {
            foreach (var (_, a) in n.Attributes)
                foreach (var sub in a.G is null ? a.Graphs : [a.G, .. a.Graphs])
                    Walk(sub, [.. chain, sub], list);
            if (n.Domain.Length != 0) continue;
            int[] inputs = n.OpType switch
            {
                "Conv" or "Gemm" or "MatMul" => [1],
                "LSTM" or "GRU" or "RNN" => [1, 2],
                _ => [],
            };
            if (n.OpType == "Gemm" && n.Attributes.Int("transA", 0) != 0) continue;
            foreach (var i in inputs)
            {
                if (i >= n.Inputs.Count || n.Inputs[i].Length == 0) continue;
                var owner = chain.LastOrDefault(g => g.Initializers.ContainsKey(n.Inputs[i]));
                if (owner is null || owner.Initializers[n.Inputs[i]] is not { DType: DType.Float32 } w) continue;
                var rankOk = n.OpType switch { "Conv" => w.Shape.Rank >= 3, "Gemm" or "MatMul" => w.Shape.Rank == 2, _ => w.Shape.Rank == 3 };
                if (rankOk) list.Add(new WeightSite(graph, n, i, owner));
            }
        }
    }

    /// <summary>Turns the Constant nodes of every subgraph of <paramref name="main"/> into initializers of that subgraph
    /// (exporters often store a branch's weights that way); the main graph is left to constant folding.</summary>
    public static int HoistSubgraphConstants(ModelGraph main)
    {
        ArgumentNullException.ThrowIfNull(main);
        var count = 0;
        foreach (var n in main.Nodes)
            foreach (var (_, a) in n.Attributes)
                foreach (var sub in a.G is null ? a.Graphs : [a.G, .. a.Graphs])
                {
                    count += HoistSubgraphConstants(sub);
                    for (var i = 0; i < sub.Nodes.Count; i++)
                    {
                        var c = sub.Nodes[i];
                        if (c.OpType != "Constant" || c.Domain.Length != 0 || c.Outputs.Count != 1 || c.Attributes.Tensor("value") is not { } t) continue;
                        if (sub.Outputs.Any(o => o.Name == c.Outputs[0])) continue;
                        sub.Initializers[c.Outputs[0]] = t;
                        sub.Nodes.RemoveAt(i--);
                        count++;
                    }
                }
        return count;
    }
}
