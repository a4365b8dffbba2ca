using Pare.Core;
using Pare.Graph;
using Pare.Graph.Optimization;

namespace Pare.Compression.Quantization;

/// <summary>Post-training quantization as a pass: <c>Model + calibration batches → quantized Model + record</c>.
/// The result is written the way ONNX Runtime's quantizer writes it, so both Pare and ONNX Runtime run it:
/// <list type="bullet">
/// <item>weights become int8 initializers read through DequantizeLinear (per channel along the output axis, or per
/// tensor); 4/3/2-bit group-wise weights of MatMul/Gemm become com.microsoft MatMulNBits (levels packed in uint8;
/// 3- and 2-bit levels are stored in the 4-bit container, since MatMulNBits' CPU kernel is 4-bit);</item>
/// <item>static mode adds QuantizeLinear→DequantizeLinear (uint8, per tensor) on the activations entering and
/// leaving each Conv/Gemm/MatMul, with ranges estimated on calibration batches;</item>
/// <item>dynamic mode rewrites MatMul/Gemm as DynamicQuantizeLinear + MatMulInteger (u8×s8) + rescale; convs keep
/// float activations with int8 weights.</item>
/// </list>
/// Batch norms are folded into the convolutions first, so the folded weights are what gets quantized.</summary>
public static class QuantizationPass
{
    /// <summary>Quantizes a copy of <paramref name="model"/>; <paramref name="calibration"/> (batches of model
    /// inputs, in input order) is required for static mode.</summary>
    /// <exception cref="QuantizationException">bad settings, or static mode without calibration data</exception>
    public static (Model Model, QuantizationRecord Record) Run(Model model, QuantizationOptions options, IReadOnlyList<Tensor[]>? calibration = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(options);
        if (options.Bits is not (8 or 4 or 3 or 2)) throw new QuantizationException($"--bits must be 8, 4, 3 or 2, got {options.Bits}");
        if (options.Bits < 8 && options.Mode != QuantizationMode.WeightOnly)
            throw new QuantizationException($"{options.Bits}-bit weights are supported in weight-only mode only (static and dynamic modes are W8A8)");
        if (options.Mode == QuantizationMode.Static && (calibration is null || calibration.Count == 0))
            throw new QuantizationException("static quantization needs calibration batches (--calib DIR or --data-free)");
        var q = model.Clone();
        var graph = q.Graph;
        ConstantFolding.Run(q); // weights computed from initializers (e.g. a reshaped MatMul weight) become initializers
        var folded = options.FoldBatchNorms ? BatchNormFolding.Run(graph) : 0;
        var targets = Targets(graph);
        var calibrated = 0;
        if (options.Mode == QuantizationMode.Static)
        {
            var ranges = ActivationCalibration.Ranges(q, ActivationNames(graph, targets), calibration!, RangeEstimators.Parse(options.Estimator));
            foreach (var (name, (lo, hi)) in ranges) QdqRewriter.InsertActivationQdq(graph, name, lo, hi);
            calibrated = ranges.Count;
        }
        var layers = new List<LayerRecord>();
        foreach (var node in targets)
        {
            var bits = options.LayerBits?.GetValueOrDefault(node.Name, options.Bits) ?? options.Bits;
            if (bits >= 32) continue;
            if (options.Mode == QuantizationMode.Dynamic && node.OpType is "MatMul" or "Gemm")
                layers.Add(QdqRewriter.Dynamic(graph, node));
            else if (bits < 8 && options.Granularity == Granularity.Group && node.OpType is "MatMul" or "Gemm")
                layers.Add(QdqRewriter.MatMulNBits(q, node, bits, options.GroupSize));
            else
                layers.Add(QdqRewriter.WeightDq(graph, node, 8, options.Granularity == Granularity.Tensor ? Granularity.Tensor : Granularity.Channel));
        }
        BatchNormFolding.DropUnused(graph);
        graph.Sort();
        if (q.OpsetOf("") < 13) q.Opsets[""] = 13; // per-axis DequantizeLinear
        return (q, new QuantizationRecord(options, layers, folded, calibrated));
    }

    /// <summary>Conv, Gemm and MatMul nodes whose weight (input 1) is a float initializer.</summary>
    public static List<Node> Targets(ModelGraph graph)
    {
        ArgumentNullException.ThrowIfNull(graph);
        var list = new List<Node>();
        foreach (var n in graph.Nodes)
        {
            if (n.Domain.Length != 0 || n.OpType is not ("Conv" or "Gemm" or "MatMul") || n.Inputs.Count < 2) continue;
            if (!graph.Initializers.TryGetValue(n.Inputs[1], out var w) || w.DType != DType.Float32) continue;
            if (n.OpType == "Conv" ? w.Shape.Rank < 3 : w.Shape.Rank != 2) continue;
            if (n.OpType == "Gemm" && n.Attributes.Int("transA", 0) != 0) continue;
            list.Add(n);
        }
        return list;
    }

    /// <summary>Float activations entering and leaving the targets (not initializers, not graph outputs).</summary>
    private static List<string> ActivationNames(ModelGraph graph, List<Node> targets)
    {
        var outputs = graph.Outputs.Select(o => o.Name).ToHashSet(StringComparer.Ordinal);
        var names = new List<string>();
        foreach (var n in targets)
            foreach (var v in new[] { n.Inputs[0], n.Outputs[0] })
                if (v.Length > 0 && !graph.Initializers.ContainsKey(v) && !outputs.Contains(v) && !names.Contains(v)) names.Add(v);
        return names;
    }
}
