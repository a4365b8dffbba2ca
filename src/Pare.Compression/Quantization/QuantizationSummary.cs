using Pare.Core;
using Pare.Graph;
using Pare.Graph.Execution;
using Pare.Onnx;

namespace Pare.Compression.Quantization;

/// <summary>Totals before and after quantization, measured, not estimated: serialized bytes, how closely the quantized
/// model's first output follows the float one on the given inputs, and latency of the inference executor on the first
/// input (fp32 and quantized timed back to back).</summary>
/// <param name="BytesBefore">serialized size of the float model</param>
/// <param name="BytesAfter">serialized size of the quantized model</param>
/// <param name="Inputs">input batches compared (0 when none were given: the output and latency fields are then null)</param>
/// <param name="RelativeError">‖y_q − y‖ / ‖y‖ over all batches (first output)</param>
/// <param name="MaxAbsDiff">max |y_q − y| (first output)</param>
/// <param name="ArgmaxAgreement">fraction of rows (every position but the last axis) whose argmax over the last axis agrees; null when the last axis has one element</param>
/// <param name="LatencyBefore">fp32 latency</param>
/// <param name="LatencyAfter">quantized latency</param>
public sealed record QuantizationSummary(long BytesBefore, long BytesAfter, int Inputs, double? RelativeError, double? MaxAbsDiff,
    double? ArgmaxAgreement, LatencyStats? LatencyBefore, LatencyStats? LatencyAfter)
{
    /// <summary>Measures <paramref name="quantized"/> against <paramref name="fp32"/> on <paramref name="inputs"/>
    /// (at most <paramref name="maxInputs"/>), timing <paramref name="runs"/> runs of each; <paramref name="progress"/>
    /// hears (done, total) batches.</summary>
    public static QuantizationSummary Measure(Model fp32, Model quantized, IReadOnlyList<Tensor[]>? inputs, int runs = 10, int maxInputs = 16, Action<int, int>? progress = null)
    {
        ArgumentNullException.ThrowIfNull(fp32);
        ArgumentNullException.ThrowIfNull(quantized);
        long before = OnnxModel.ToBytes(fp32).Length, after = OnnxModel.ToBytes(quantized).Length;
        var batches = inputs?.Take(maxInputs).ToList() ?? [];
        if (batches.Count == 0) return new QuantizationSummary(before, after, 0, null, null, null, null, null);
        var (reference, candidate) = (new InferenceSession(fp32), new InferenceSession(quantized));
        var (y, yq) = (new List<Tensor>(), new List<Tensor>());
        for (var b = 0; b < batches.Count; b++)
        {
            y.Add(reference.Run(batches[b])[0]);
            yq.Add(candidate.Run(batches[b])[0]);
            progress?.Invoke(b + 1, batches.Count);
        }
        var agreement = OutputAgreement.Compare(y, yq);
        var latencyBefore = LatencyStats.Measure(reference, batches[0], warmup: 2, runs);
        var latencyAfter = LatencyStats.Measure(candidate, batches[0], warmup: 2, runs);
        return new QuantizationSummary(before, after, batches.Count, agreement.RelativeError, agreement.MaxAbsDiff,
            agreement.ArgmaxAgreement, latencyBefore, latencyAfter);
    }
}
