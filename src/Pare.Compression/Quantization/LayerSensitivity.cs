using Pare.Core;
using Pare.Graph;

namespace Pare.Compression.Quantization;

/// <summary>The effect on the model's output of quantizing one layer alone.</summary>
/// <param name="Node">node name (in the main graph or a subgraph such as an If branch)</param>
/// <param name="OpType">Conv, Gemm, MatMul, LSTM, GRU or RNN</param>
/// <param name="Agreement">first output of the model with only this layer quantized, against the float model</param>
public sealed record LayerSensitivity(string Node, string OpType, OutputAgreement Agreement);

/// <summary>Per-layer sensitivity: for each layer the pass would quantize (Conv/Gemm/MatMul/LSTM/GRU/RNN, inside
/// subgraphs too), the model is quantized with every other layer left in float — that layer's weights, and in static
/// mode the activations entering and leaving it — and its first output compared with the float model's on the
/// calibration batches. This is the measurement behind <see cref="AccuracyDrivenQuantization"/> and <c>pare quantize
/// --sensitivity</c>.</summary>
public static class SensitivityAnalysis
{
    /// <summary>The node names the pass quantizes under <paramref name="options"/>, in graph order (subgraphs first
    /// within their enclosing node), each once.</summary>
    public static List<(string Node, string OpType)> Layers(Model model, QuantizationOptions options)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(options);
        var (_, sites, _) = QuantizationPass.Prepare(model, options with { LayerBits = null });
        var seen = new HashSet<string>(StringComparer.Ordinal);
        return [.. sites.Where(s => seen.Add(s.Node.Name)).Select(s => (s.Node.Name, s.Node.OpType))];
    }

    /// <summary>Sensitivity of every layer, most damaging first (ranked by <paramref name="target"/>'s measure;
    /// relative error when null). Layers <paramref name="options"/> already leaves in float are skipped.
    /// <paramref name="progress"/> hears (layers done, total).</summary>
    public static List<LayerSensitivity> Measure(Model model, QuantizationOptions options, IReadOnlyList<Tensor[]> batches, AccuracyTarget? target = null, Action<int, int>? progress = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(batches);
        var layers = Layers(model, options).Where(l => options.LayerBits?.GetValueOrDefault(l.Node, options.Bits) != 32).ToList();
        var reference = OutputAgreement.Outputs(model, batches, target?.Feedback);
        var result = new List<LayerSensitivity>();
        foreach (var (node, op) in layers)
        {
            var alone = layers.ToDictionary(l => l.Node, l => l.Node == node ? options.LayerBits?.GetValueOrDefault(node, options.Bits) ?? options.Bits : 32, StringComparer.Ordinal);
            var (q, _) = QuantizationPass.Run(model, options with { LayerBits = alone }, batches);
            result.Add(new LayerSensitivity(node, op, OutputAgreement.Compare(reference, OutputAgreement.Outputs(q, batches, target?.Feedback))));
            progress?.Invoke(result.Count, layers.Count);
        }
        var rank = target ?? new AccuracyTarget();
        return [.. result.OrderByDescending(s => rank.Badness(s.Agreement)).ThenByDescending(s => s.Agreement.RelativeError)];
    }
}
