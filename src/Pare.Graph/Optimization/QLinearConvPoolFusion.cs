using Pare.Graph.Ops.Onnx;

namespace Pare.Graph.Optimization;

/// <summary>Inference-only rewrite of QLinearConv → MaxPool(2×2, stride 2, no padding, floor) — the conv blocks of
/// small image models once <see cref="QdqChainFusion"/> has moved the pool onto the bytes — into one com.pare
/// <see cref="QLinearConvPool"/> node, which pools the int32 sums before requantizing (a quarter of the
/// requantizations, no full-size 8-bit tensor). Applies when the conv's output has that pool as its only reader and
/// is not a graph output, and the pool's indices output is not used.</summary>
internal static class QLinearConvPoolFusion
{
    /// <summary>Rewrites the main graph in place.</summary>
    /// <param name="graph">graph</param>
    /// <returns>pools fused</returns>
    public static int Run(ModelGraph graph)
    {
        int fused = 0;
        foreach (var conv in graph.Nodes.ToList())
        {
            if (conv.OpType != "QLinearConv" || conv.Domain.Length != 0 || conv.Outputs.Count != 1) continue;
            if (ConvActivationFusion.Single(graph, conv.Outputs[0]) is not { Domain: "", OpType: "MaxPool" } pool || pool.Inputs.Count != 1) continue;
            if (pool.Outputs.Count > 1 && pool.Outputs[1].Length > 0) continue;
            if (!TwoByTwo(pool.Attributes)) continue;
            conv.OpType = QLinearConvPool.OpType;
            conv.Domain = QLinearConvPool.Domain;
            conv.Outputs[0] = pool.Outputs[0];
            graph.Nodes.Remove(pool);
            fused++;
        }
        return fused;
    }

    // kernel 2×2, strides 2×2, no padding, dilation 1, floor mode
    private static bool TwoByTwo(Attributes a) =>
        a.IntArray("kernel_shape") is [2, 2] && a.IntArray("strides") is [2, 2] &&
        (a.IntArray("pads") ?? [0, 0, 0, 0]).All(p => p == 0) && (a.IntArray("dilations") ?? [1, 1]).All(d => d == 1) &&
        a.String("auto_pad", "NOTSET") is "NOTSET" or "VALID" && a.Int("ceil_mode", 0) == 0;
}
