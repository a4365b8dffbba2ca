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
    /// inputs, in input order) is required for static mode and for bias correction. Layers inside subgraphs (If
    /// branches) are quantized too; recurrent weights (LSTM/GRU/RNN W and R) are stored in int8 behind
    /// DequantizeLinear in every mode, their activations stay float. <paramref name="progress"/> hears
    /// (stage, done, total) while batches run.</summary>
    /// <exception cref="QuantizationException">bad settings, or static mode without calibration data</exception>
    public static (Model Model, QuantizationRecord Record) Run(Model model, QuantizationOptions options, IReadOnlyList<Tensor[]>? calibration = null, Action<string, int, int>? progress = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(options);
        if (options.Bits is not (8 or 4 or 3 or 2)) throw new QuantizationException($"--bits must be 8, 4, 3 or 2, got {options.Bits}");
        if (options.Bits < 8 && options.Mode != QuantizationMode.WeightOnly)
            throw new QuantizationException($"{options.Bits}-bit weights are supported in weight-only mode only (static and dynamic modes are W8A8)");
        if (options.Mode == QuantizationMode.Static && (calibration is null || calibration.Count == 0))
            throw new QuantizationException("static quantization needs calibration batches (--calib DIR or --data-free)");
        if (options.BiasCorrection && (calibration is null || calibration.Count == 0))
            throw new QuantizationException("bias correction needs calibration batches (--calib DIR or --data-free): it measures each layer's input mean");
        var (q, sites, folded) = Prepare(model, options);
        var graph = q.Graph;
        var corrected = 0;
        if (options.BiasCorrection)
        {
            var eightBit = sites.Where(s => !UsesMatMulNBits(options, s, graph)).ToList();
            var weightRange = RangeEstimators.Parse(options.WeightEstimator);
            corrected = BiasCorrection.Apply(q, eightBit, s => Quantizer.FakeQuantize(s.Weight, Quantizer.Calibrate(s.Weight, WeightScheme(options, s), weightRange)),
                calibration!, b => progress?.Invoke("bias correction", b, calibration!.Count));
        }
        var calibrated = 0;
        if (options.Mode == QuantizationMode.Static)
        {
            var activations = ActivationNames(graph, sites);
            var ranges = ActivationCalibration.Ranges(q, [.. activations.Select(a => a.Value)], calibration!, RangeEstimators.Parse(options.Estimator),
                b => progress?.Invoke("calibration", b, calibration!.Count));
            foreach (var (g, value) in activations)
                if (ranges.TryGetValue(value, out var r)) { QdqRewriter.InsertActivationQdq(g, value, r.Lo, r.Hi); calibrated++; }
        }
        var layers = new List<LayerRecord>();
        var done = new Dictionary<(ModelGraph, string), string[]>();
        foreach (var site in sites)
        {
            var node = site.Node;
            if (options.Mode == QuantizationMode.Dynamic && node.OpType is "MatMul" or "Gemm" && site.Owner == site.Graph)
                layers.Add(QdqRewriter.Dynamic(site.Graph, node));
            else if (UsesMatMulNBits(options, site, graph))
                layers.Add(QdqRewriter.MatMulNBits(q, node, BitsOf(options, site), options.GroupSize));
            else
                layers.Add(QdqRewriter.WeightDq(site, 8, options.Granularity == Granularity.Tensor ? Granularity.Tensor : Granularity.Channel, done,
                    RangeEstimators.Parse(options.WeightEstimator)));
        }
        DropUnused(graph);
        SortAll(graph, null);
        return (q, new QuantizationRecord(options, layers, folded, calibrated) { BiasCorrected = corrected });
    }

    /// <summary>A copy of <paramref name="model"/> made ready to quantize (opset 13, constants folded, branch constants
    /// hoisted, batch norms folded) and the weight sites <paramref name="options"/> quantizes in it.</summary>
    internal static (Model Model, List<WeightSite> Sites, int Folded) Prepare(Model model, QuantizationOptions options)
    {
        var q = model.Clone();
        var graph = q.Graph;
        OpsetUpgrade.Run(q, 13); // per-axis DequantizeLinear needs opset 13; older nodes are rewritten to keep their meaning
        ConstantFolding.Run(q); // weights computed from initializers (e.g. a reshaped MatMul weight) become initializers
        WeightSite.HoistSubgraphConstants(graph);
        var folded = options.FoldBatchNorms ? BatchNormFolding.Run(graph) : 0;
        var sites = Sites(graph, options).Where(s => BitsOf(options, s) < 32).ToList();
        return (q, sites, folded);
    }

    /// <summary>The weight sites of <paramref name="main"/> (subgraphs included) the pass may quantize under
    /// <paramref name="options"/>, before per-layer bits are applied: recurrent weights only with
    /// <see cref="QuantizationOptions.QuantizeRecurrent"/>.</summary>
    internal static List<WeightSite> Sites(ModelGraph main, QuantizationOptions options) =>
        [.. WeightSite.FindAll(main).Where(s => s.IsLinear || options.QuantizeRecurrent)];

    // innermost graphs first, so a subgraph's reads of outer weights are counted before the outer graph is pruned
    private static void DropUnused(ModelGraph graph)
    {
        foreach (var n in graph.Nodes)
            foreach (var (_, a) in n.Attributes)
                foreach (var sub in a.G is null ? a.Graphs : [a.G, .. a.Graphs]) DropUnused(sub);
        BatchNormFolding.DropUnused(graph);
    }

    // every graph in topological order (ONNX Runtime insists), subgraphs seeing what their enclosing graphs define
    private static void SortAll(ModelGraph graph, HashSet<string>? outer)
    {
        graph.Sort(outer);
        var visible = new HashSet<string>(outer ?? [], StringComparer.Ordinal);
        visible.UnionWith(graph.Inputs.Select(i => i.Name));
        visible.UnionWith(graph.Initializers.Keys);
        foreach (var n in graph.Nodes) visible.UnionWith(n.Outputs);
        foreach (var n in graph.Nodes)
            foreach (var (_, a) in n.Attributes)
                foreach (var sub in a.G is null ? a.Graphs : [a.G, .. a.Graphs]) SortAll(sub, visible);
    }

    private static int BitsOf(QuantizationOptions options, WeightSite site) =>
        options.LayerBits?.GetValueOrDefault(site.Node.Name, options.Bits) ?? options.Bits;

    private static bool UsesMatMulNBits(QuantizationOptions options, WeightSite site, ModelGraph main) =>
        BitsOf(options, site) < 8 && TakesMatMulNBits(options, site, main);

    /// <summary>Whether <paramref name="site"/> is written as MatMulNBits when given fewer than 8 bits: a main-graph
    /// MatMul/Gemm weight, group-wise, outside dynamic mode (everything else stays at 8 bits at least).</summary>
    internal static bool TakesMatMulNBits(QuantizationOptions options, WeightSite site, ModelGraph main) =>
        options.Granularity == Granularity.Group && site.Node.OpType is "MatMul" or "Gemm"
        && site.Graph == site.Owner && site.Owner == main && options.Mode != QuantizationMode.Dynamic;

    /// <summary>The 8-bit scheme a weight is stored with: symmetric, per output channel (or per tensor).</summary>
    private static QuantScheme WeightScheme(QuantizationOptions options, WeightSite site) =>
        new(8, Signed: true, Symmetric: true, options.Granularity == Granularity.Tensor ? Granularity.Tensor : Granularity.Channel, site.Axis);

    /// <summary>Float activations entering and leaving the Conv/Gemm/MatMul weight sites (not initializers, not the
    /// main graph's outputs), each with the graph whose readers get the quantize–dequantize pair.</summary>
    private static List<(ModelGraph Graph, string Value)> ActivationNames(ModelGraph main, List<WeightSite> sites)
    {
        var outputs = main.Outputs.Select(o => o.Name).ToHashSet(StringComparer.Ordinal);
        var names = new List<(ModelGraph, string)>();
        foreach (var s in sites.Where(s => s.IsLinear))
            foreach (var v in new[] { s.Node.Inputs[0], s.Node.Outputs[0] })
                if (v.Length > 0 && !s.Graph.Initializers.ContainsKey(v) && !outputs.Contains(v) && !s.Graph.Outputs.Any(o => o.Name == v)
                    && !names.Contains((s.Graph, v)))
                    names.Add((s.Graph, v));
        return names;
    }
}
