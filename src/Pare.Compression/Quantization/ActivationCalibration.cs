using Pare.Core;
using Pare.Graph;
using Pare.Graph.Execution;

namespace Pare.Compression.Quantization;

/// <summary>Activation ranges from calibration batches: the model runs with an observer that copies out the chosen
/// intermediate values (in subgraphs too), and each value's range is estimated over all batches.</summary>
public static class ActivationCalibration
{
    /// <summary>Most values per activation kept for the non-min–max estimators (a strided subsample beyond).</summary>
    public const int MaxSamples = 1 << 20;

    /// <summary>The range of each of <paramref name="names"/> over <paramref name="batches"/>; names the batches
    /// never compute are left out; <paramref name="progress"/> hears the number of batches done.</summary>
    public static Dictionary<string, (float Lo, float Hi)> Ranges(Model model, IReadOnlyList<string> names, IReadOnlyList<Tensor[]> batches, IRangeEstimator estimator, Action<int>? progress = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(names);
        ArgumentNullException.ThrowIfNull(batches);
        ArgumentNullException.ThrowIfNull(estimator);
        var values = Collect(model, names, batches, progress);
        var scheme = QuantScheme.Activations();
        var result = new Dictionary<string, (float, float)>(StringComparer.Ordinal);
        foreach (var name in names)
            if (values[name].Count > 0) result[name] = estimator.Estimate(values[name].ToArray(), scheme);
        return result;
    }

    /// <summary>The values each of <paramref name="names"/> takes on <paramref name="batches"/> (subsampled to
    /// <see cref="MaxSamples"/> with min and max kept; <paramref name="progress"/> hears the batches done). Values inside subgraphs (If branches, Loop bodies) are seen
    /// too; a value never computed (e.g. in a branch the batches do not take) gets an empty list.</summary>
    public static Dictionary<string, List<float>> Collect(Model model, IReadOnlyList<string> names, IReadOnlyList<Tensor[]> batches, Action<int>? progress = null)
    {
        ArgumentNullException.ThrowIfNull(names);
        ArgumentNullException.ThrowIfNull(batches);
        var values = names.Distinct().ToDictionary(n => n, _ => new List<float>(), StringComparer.Ordinal);
        Observe(model, values.Keys.ToHashSet(StringComparer.Ordinal), batches, (name, tensor) =>
        {
            var span = tensor.Contiguous().AsSpan<float>();
            var list = values[name];
            var stride = Math.Max(1, (int)(span.Length * (long)batches.Count / MaxSamples));
            float lo = float.PositiveInfinity, hi = float.NegativeInfinity;
            for (var i = 0; i < span.Length; i++)
            {
                lo = Math.Min(lo, span[i]);
                hi = Math.Max(hi, span[i]);
                if (i % stride == 0) list.Add(span[i]);
            }
            if (span.Length > 0) { list.Add(lo); list.Add(hi); }
        }, progress);
        return values;
    }

    /// <summary>Runs <paramref name="model"/> (unoptimized, so every value keeps its name) on each batch and calls
    /// <paramref name="onValue"/> once per batch with the first float tensor computed for each of
    /// <paramref name="names"/>, wherever it is (main graph or subgraph, as a node's output or input);
    /// <paramref name="progress"/> hears the number of batches done.</summary>
    public static void Observe(Model model, IReadOnlySet<string> names, IReadOnlyList<Tensor[]> batches, Action<string, Tensor> onValue, Action<int>? progress = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(names);
        ArgumentNullException.ThrowIfNull(batches);
        ArgumentNullException.ThrowIfNull(onValue);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        void See(Node node, Tensor?[] tensors, List<string> valueNames)
        {
            for (var i = 0; i < valueNames.Count && i < tensors.Length; i++)
                if (tensors[i] is { DType: DType.Float32 } t && names.Contains(valueNames[i]) && seen.Add(valueNames[i])) onValue(valueNames[i], t);
        }
        var runner = new GraphRunner(model.Clone(), training: false)
        {
            Observer = (_, node, inputs, outputs) => { See(node, inputs, node.Inputs); See(node, outputs, node.Outputs); },
        };
        runner.Prepare();
        using var _ = Pare.Core.Autograd.Tape.NoGrad();
        for (var b = 0; b < batches.Count; b++)
        {
            seen.Clear();
            runner.Run(batches[b]);
            progress?.Invoke(b + 1);
        }
    }
}
