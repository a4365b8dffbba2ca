using Pare.Core;
using Pare.Graph;

namespace Pare.Compression.Quantization;

/// <summary>One step of the search: the layers left in float and the output agreement measured with them.</summary>
/// <param name="Float">layers kept in float32 (the most sensitive first)</param>
/// <param name="Agreement">the quantized model's first output against the float model's, on the calibration batches</param>
public sealed record FallbackStep(IReadOnlyList<string> Float, OutputAgreement Agreement);

/// <summary>The result of <see cref="AccuracyDrivenQuantization.Run"/>.</summary>
/// <param name="Model">the quantized model meeting the target</param>
/// <param name="Record">the pass's record for that model</param>
/// <param name="Sensitivity">per-layer sensitivity, most damaging first (empty when every layer could be quantized)</param>
/// <param name="Steps">the allocations tried, in the order they were tried</param>
/// <param name="Chosen">the step whose model is the result (one of <paramref name="Steps"/>)</param>
public sealed record AccuracyDrivenResult(Model Model, QuantizationRecord Record, IReadOnlyList<LayerSensitivity> Sensitivity, IReadOnlyList<FallbackStep> Steps, FallbackStep Chosen);

/// <summary>Quantization to an output-agreement target (accuracy-driven mixed precision, as Intel Neural Compressor's
/// and TensorRT's layer fallback do): quantize everything and measure the first output against the float model on the
/// calibration batches; if the target is missed, measure each layer's sensitivity (<see cref="SensitivityAnalysis"/>)
/// and keep the k most sensitive layers in float, k found by bisection over the ranked list (each candidate is
/// quantized and measured, so the answer is verified, not predicted).</summary>
public static class AccuracyDrivenQuantization
{
    /// <summary>Quantizes <paramref name="model"/> with <paramref name="options"/>, leaving in float the fewest of
    /// its most sensitive layers needed to meet <paramref name="target"/> on <paramref name="batches"/>.
    /// <paramref name="progress"/> hears (stage, done, total).</summary>
    /// <exception cref="QuantizationException">the target is missed even with every layer in float (it is tighter than
    /// the float model's own run-to-run difference), or there are no batches</exception>
    public static AccuracyDrivenResult Run(Model model, QuantizationOptions options, AccuracyTarget target, IReadOnlyList<Tensor[]> batches, Action<string, int, int>? progress = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(target);
        if (batches is null || batches.Count == 0) throw new QuantizationException("an accuracy target needs calibration batches (--calib DIR or --data-free) to measure on");
        if (target.MaxAbsDiff is null && target.MinArgmaxAgreement is null) throw new QuantizationException("an accuracy target needs a bound (max |diff| or argmax agreement)");
        var reference = OutputAgreement.Outputs(model, batches, target.Feedback);
        var steps = new List<FallbackStep>();
        (Model, QuantizationRecord, FallbackStep) Try(IReadOnlyList<string> kept)
        {
            var bits = options.LayerBits is null ? new Dictionary<string, int>(StringComparer.Ordinal) : new Dictionary<string, int>(options.LayerBits, StringComparer.Ordinal);
            foreach (var n in kept) bits[n] = 32;
            var (q, r) = QuantizationPass.Run(model, options with { LayerBits = bits }, batches);
            var step = new FallbackStep(kept, OutputAgreement.Compare(reference, OutputAgreement.Outputs(q, batches, target.Feedback)));
            steps.Add(step);
            progress?.Invoke("accuracy search", steps.Count, 0);
            return (q, r, step);
        }
        var all = Try([]);
        if (target.IsMet(all.Item3.Agreement)) return new AccuracyDrivenResult(all.Item1, all.Item2, [], steps, all.Item3);
        var ranked = SensitivityAnalysis.Measure(model, options, batches, target, (d, t) => progress?.Invoke("sensitivity", d, t));
        var names = ranked.Select(s => s.Node).ToList();
        // smallest k whose prefix meets the target; error falls (nearly) monotonically with k, and each probe is measured
        int lo = 0, hi = names.Count;
        var best = Try(names);
        if (!target.IsMet(best.Item3.Agreement))
            throw new QuantizationException($"accuracy target not met even with all {names.Count} layers in float (max |diff| {best.Item3.Agreement.MaxAbsDiff:G3})");
        while (hi - lo > 1)
        {
            var mid = (lo + hi) / 2;
            var probe = Try(names.Take(mid).ToList());
            if (target.IsMet(probe.Item3.Agreement)) (hi, best) = (mid, probe);
            else lo = mid;
        }
        return new AccuracyDrivenResult(best.Item1, best.Item2, ranked, steps, best.Item3);
    }
}
