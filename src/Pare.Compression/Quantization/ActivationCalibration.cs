using Pare.Core;
using Pare.Graph;
using Pare.Graph.Execution;

namespace Pare.Compression.Quantization;

/// <summary>Activation ranges from calibration batches: the model runs with the chosen intermediate values exposed
/// as outputs, and each value's range is estimated over all batches.</summary>
public static class ActivationCalibration
{
    /// <summary>Most values per activation kept for the non-min–max estimators (a strided subsample beyond).</summary>
    public const int MaxSamples = 1 << 20;

    /// <summary>The range of each of <paramref name="names"/> over <paramref name="batches"/>.</summary>
    public static Dictionary<string, (float Lo, float Hi)> Ranges(Model model, IReadOnlyList<string> names, IReadOnlyList<Tensor[]> batches, IRangeEstimator estimator)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(names);
        ArgumentNullException.ThrowIfNull(batches);
        ArgumentNullException.ThrowIfNull(estimator);
        var values = Collect(model, names, batches);
        var scheme = QuantScheme.Activations();
        var result = new Dictionary<string, (float, float)>(StringComparer.Ordinal);
        foreach (var name in names) result[name] = estimator.Estimate(values[name].ToArray(), scheme);
        return result;
    }

    /// <summary>The values each of <paramref name="names"/> takes on <paramref name="batches"/> (subsampled to
    /// <see cref="MaxSamples"/> with min and max kept).</summary>
    public static Dictionary<string, List<float>> Collect(Model model, IReadOnlyList<string> names, IReadOnlyList<Tensor[]> batches)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(names);
        ArgumentNullException.ThrowIfNull(batches);
        var probe = model.Clone();
        var first = probe.Graph.Outputs.Count;
        foreach (var name in names) probe.Graph.Outputs.Add(new ValueInfo(name, ElementType.Float, null));
        var session = new InferenceSession(probe, optimize: false);
        var values = names.ToDictionary(n => n, _ => new List<float>(), StringComparer.Ordinal);
        foreach (var batch in batches)
        {
            var outputs = session.Run(batch);
            for (var k = 0; k < names.Count; k++)
            {
                var span = outputs[first + k].Contiguous().AsSpan<float>();
                var list = values[names[k]];
                var stride = Math.Max(1, (int)(span.Length * (long)batches.Count / MaxSamples));
                float lo = float.PositiveInfinity, hi = float.NegativeInfinity;
                for (var i = 0; i < span.Length; i++)
                {
                    lo = Math.Min(lo, span[i]);
                    hi = Math.Max(hi, span[i]);
                    if (i % stride == 0) list.Add(span[i]);
                }
                list.Add(lo);
                list.Add(hi);
            }
        }
        return values;
    }
}
