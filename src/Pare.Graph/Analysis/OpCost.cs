using Pare.Core;

namespace Pare.Graph.Analysis;

/// <summary>MACs and FLOPs of one node from the shapes it actually ran with. Exact for the ops that carry almost all
/// the arithmetic of real models (Conv, ConvTranspose, Gemm, MatMul, LSTM/GRU/RNN and their quantized forms);
/// an estimate elsewhere: one FLOP per output element for elementwise ops, one per input element for reductions and
/// global pools, one per window element for pools, none for ops that only move or describe data.</summary>
internal static class OpCost
{
    private static readonly HashSet<string> DataMovement = new(StringComparer.Ordinal)
    {
        "Constant", "ConstantOfShape", "Shape", "Size", "Identity", "Reshape", "Flatten", "Squeeze", "Unsqueeze",
        "Transpose", "Concat", "Split", "Slice", "Gather", "GatherElements", "GatherND", "ScatterElements", "ScatterND",
        "Expand", "Tile", "Pad", "Cast", "CastLike", "Range", "Dropout", "If", "Loop", "DepthToSpace", "SpaceToDepth",
        "NonZero", "OneHot", "EyeLike", "Compress", "Trilu",
    };

    private static readonly HashSet<string> Reductions = new(StringComparer.Ordinal)
    {
        "ReduceMean", "ReduceSum", "ReduceMax", "ReduceMin", "ReduceProd", "ReduceL1", "ReduceL2", "ReduceLogSum",
        "ReduceLogSumExp", "ReduceSumSquare", "ArgMax", "ArgMin", "GlobalAveragePool", "GlobalMaxPool", "GlobalLpPool",
        "TopK",
    };

    public static (long Macs, long Flops) Of(Node node, IReadOnlyList<Tensor?> inputs, IReadOnlyList<Tensor?> outputs)
    {
        var output = outputs.Count > 0 ? outputs[0] : null;
        long outElements = output?.Shape.ElementCount ?? 0;
        Tensor? In(int i) => i < inputs.Count ? inputs[i] : null;
        switch (node.OpType)
        {
            case "Conv" or "ConvInteger" or "QLinearConv":
            {
                // each output element is a dot product over (C_in / group) · kernel positions = W's elements per filter
                var w = In(node.OpType == "QLinearConv" ? 3 : 1);
                if (w is null || w.Rank == 0 || w.Shape[0] == 0) return (0, outElements);
                var macs = outElements * (w.Shape.ElementCount / w.Shape[0]);
                var hasBias = In(node.OpType == "QLinearConv" ? 8 : node.OpType == "Conv" ? 2 : -1) is not null;
                return (macs, 2 * macs + (hasBias ? outElements : 0));
            }
            case "ConvTranspose":
            {
                // every input element is scattered through (C_out / group) · kernel positions = W's elements per input channel
                var x = In(0);
                var w = In(1);
                if (x is null || w is null || w.Rank == 0 || w.Shape[0] == 0) return (0, outElements);
                var macs = (long)x.Shape.ElementCount * (w.Shape.ElementCount / w.Shape[0]);
                return (macs, 2 * macs + (In(2) is not null ? outElements : 0));
            }
            case "Gemm":
            {
                var a = In(0);
                if (a is null || a.Rank != 2) return (0, outElements);
                var k = node.Attributes.Int("transA", 0) != 0 ? a.Shape[0] : a.Shape[1];
                var macs = outElements * k;
                return (macs, 2 * macs + (In(2) is not null ? outElements : 0));
            }
            case "MatMul" or "MatMulInteger" or "QLinearMatMul":
            {
                var a = In(0);
                if (a is null || a.Rank == 0) return (0, outElements);
                var macs = outElements * a.Shape[a.Rank - 1];
                return (macs, 2 * macs);
            }
            case "LSTM" or "GRU" or "RNN":
                return Recurrent(node, In(0), In(1), In(2), In(3));
            case "Attention":
                return Attention(node, In(0), In(1), In(4), output);
        }
        if (DataMovement.Contains(node.OpType)) return (0, 0);
        if (Reductions.Contains(node.OpType)) return (0, In(0)?.Shape.ElementCount ?? 0);
        if (node.OpType is "MaxPool" or "AveragePool" or "LpPool")
        {
            var kernel = node.Attributes.Ints("kernel_shape");
            return (0, outElements * (kernel?.Aggregate(1L, (p, k) => p * k) ?? 1));
        }
        return (0, outElements);
    }

    /// <summary>Q·Kᵀ costs T MACs per element of Q (every query head against every key of its group) and P·V costs
    /// T per element of Y, in the 3-D and the 4-D layout alike; T counts the past keys too. Each of the B·H_q·S·T
    /// scores adds about four FLOPs (scale, bias, exp, normalize).</summary>
    private static (long, long) Attention(Node node, Tensor? q, Tensor? k, Tensor? pastKey, Tensor? y)
    {
        if (q is null || k is null || y is null || q.Rank is not (3 or 4) || k.Rank != q.Rank) return (0, y?.Shape.ElementCount ?? 0);
        long keys = k.Shape[k.Rank - 2] + (pastKey is { Rank: 4 } ? pastKey.Shape[2] : 0);
        var macs = ((long)q.Shape.ElementCount + y.Shape.ElementCount) * keys;
        // queries · heads: (B, H_q, S, D) or (B, S, H_q·D) with q_num_heads
        long heads = q.Rank == 4 ? q.Shape[1] : node.Attributes.Int("q_num_heads", 0);
        long scores = (long)q.Shape[0] * q.Shape[q.Rank - 2] * heads * keys;
        return (macs, 2 * macs + 4 * scores);
    }

    /// <summary>Per step and direction the gates are X_t·Wᵀ and H·Rᵀ with W (dirs, G·H, I) and R (dirs, G·H, H), so a
    /// full-length run costs seq · batch · (|W| + |R|) MACs for every gate count G (4 LSTM, 3 GRU, 1 RNN). Biases
    /// (dirs, 2·G·H) add seq · batch · |B|; the gate nonlinearities are not counted.</summary>
    private static (long, long) Recurrent(Node node, Tensor? x, Tensor? w, Tensor? r, Tensor? b)
    {
        if (x is null || w is null || r is null || x.Rank != 3) return (0, 0);
        var batchFirst = node.Attributes.Int("layout", 0) != 0;
        long seq = batchFirst ? x.Shape[1] : x.Shape[0];
        long batch = batchFirst ? x.Shape[0] : x.Shape[1];
        var macs = seq * batch * ((long)w.Shape.ElementCount + r.Shape.ElementCount);
        return (macs, 2 * macs + (b is null ? 0 : seq * batch * b.Shape.ElementCount));
    }
}
