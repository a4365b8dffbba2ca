using Pare.Core;
using Pare.Graph;
using Pare.Onnx;

namespace Pare.Compression.Quantization;

/// <summary>One point of the size/loss trade-off: bits per layer, the written file's size, the expected loss.</summary>
/// <param name="LayerBits">weight bits per node (32 = float)</param>
/// <param name="Bytes">size of the ONNX file this allocation writes</param>
/// <param name="ExpectedLoss">sum of the layers' measured sensitivities at their bits</param>
public sealed record BitAllocation(IReadOnlyDictionary<string, int> LayerBits, long Bytes, double ExpectedLoss);

/// <summary>The budget cannot be met: the smallest sizes that can are listed with their expected loss.</summary>
public sealed class BudgetUnmetException : QuantizationException
{
    /// <summary>An error for <paramref name="maxBytes"/> listing <paramref name="nearest"/>.</summary>
    public BudgetUnmetException(long maxBytes, IReadOnlyList<BitAllocation> nearest)
        : base($"no bit allocation fits {maxBytes:N0} bytes; nearest feasible: " +
               string.Join("; ", nearest.Select(a => $"{a.Bytes:N0} bytes at expected loss {a.ExpectedLoss:G3}")))
        => Nearest = nearest;

    /// <summary>The smallest feasible allocations.</summary>
    public IReadOnlyList<BitAllocation> Nearest { get; }
}

/// <summary>Mixed precision to a byte budget. The layers are the weight sites the quantization pass quantizes: Conv,
/// Gemm and MatMul, and LSTM/GRU/RNN weights, in the main graph and inside subgraphs such as If branches. Sensitivity:
/// per layer and bit width, the relative RMS error of the model's first output on the calibration batches when only
/// that layer's weights are (fake-)quantized. Allocation: start with every layer in float and greedily lower the bits
/// of the layer with the least added loss per byte saved, until the written file (measured by serializing, not
/// estimated) fits. Layers the options already fix (e.g. <c>--exclude</c>: 32 bits) keep their bits.</summary>
public static class BudgetAllocation
{
    /// <summary>The allocation meeting <paramref name="maxBytes"/> with the least expected loss (greedy), or
    /// <see cref="BudgetUnmetException"/> listing the smallest feasible sizes.</summary>
    public static BitAllocation Allocate(Model model, QuantizationOptions options, long maxBytes, IReadOnlyList<Tensor[]> batches)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(batches);
        var fixedBits = options.LayerBits ?? new Dictionary<string, int>();
        var (prepared, sites, _) = QuantizationPass.Prepare(model, options with { LayerBits = null });
        var layers = Layers(prepared.Graph, sites, options);
        var sensitivity = Sensitivity(prepared, [.. layers.Where(l => !fixedBits.ContainsKey(l.Name))], options, batches);
        var bits = layers.ToDictionary(l => l.Name, l => fixedBits.GetValueOrDefault(l.Name, 32), StringComparer.Ordinal);
        var path = new List<BitAllocation> { Measure(model, options, batches, bits, sensitivity) };
        while (path[^1].Bytes > maxBytes)
        {
            (string Node, int Bits, double Score)? best = null;
            foreach (var l in layers)
            {
                if (fixedBits.ContainsKey(l.Name)) continue;
                var i = Array.IndexOf(l.Candidates, bits[l.Name]);
                if (i + 1 >= l.Candidates.Length) continue;
                var saved = l.WeightElements * (l.Candidates[i] - l.Candidates[i + 1]) / 8.0;
                var score = (sensitivity[(l.Name, l.Candidates[i + 1])] - sensitivity[(l.Name, l.Candidates[i])]) / saved;
                if (best is null || score < best.Value.Score) best = (l.Name, l.Candidates[i + 1], score);
            }
            if (best is null)
                throw new BudgetUnmetException(maxBytes, [.. path.OrderBy(p => p.Bytes).Take(3)]);
            bits[best.Value.Node] = best.Value.Bits;
            path.Add(Measure(model, options, batches, bits, sensitivity));
        }
        return path[^1];
    }

    /// <summary>A layer of the allocation: a node (its W and R count together for recurrent nodes), the bits it can
    /// take (32 = float; group-wise 4 bits only where the pass writes MatMulNBits: a main-graph MatMul/Gemm) and the
    /// number of weights those bits apply to.</summary>
    private sealed record Layer(string Name, int[] Candidates, long WeightElements);

    private static List<Layer> Layers(ModelGraph main, List<WeightSite> sites, QuantizationOptions options) =>
        [.. sites.GroupBy(s => s.Node.Name, StringComparer.Ordinal).Select(g =>
        {
            int[] candidates = QuantizationPass.TakesMatMulNBits(options, g.First(), main) ? [32, 8, 4] : [32, 8];
            return new Layer(g.Key, candidates, g.Sum(x => x.Weight.Shape.ElementCount));
        })];

    private static BitAllocation Measure(Model model, QuantizationOptions options, IReadOnlyList<Tensor[]> batches, Dictionary<string, int> bits, Dictionary<(string, int), double> sensitivity)
    {
        var copy = new Dictionary<string, int>(bits, StringComparer.Ordinal);
        var calibration = options.Mode == QuantizationMode.Static || options.BiasCorrection ? batches : null;
        var (q, _) = QuantizationPass.Run(model, options with { LayerBits = copy }, calibration);
        return new BitAllocation(copy, OnnxModel.ToBytes(q).Length, copy.Sum(kv => sensitivity.GetValueOrDefault((kv.Key, kv.Value))));
    }

    /// <summary>Relative RMS output error per (layer, bits) with only that layer's weights fake-quantized as the
    /// pass would store them (per channel at 8 bits, group-wise below), in a copy of the prepared model.</summary>
    private static Dictionary<(string, int), double> Sensitivity(Model prepared, List<Layer> layers, QuantizationOptions options, IReadOnlyList<Tensor[]> batches)
    {
        var reference = OutputAgreement.Outputs(prepared, batches);
        var result = new Dictionary<(string, int), double>();
        foreach (var l in layers)
            foreach (var b in l.Candidates)
            {
                if (b == 32) { result[(l.Name, b)] = 0; continue; }
                var probe = prepared.Clone();
                foreach (var site in QuantizationPass.Sites(probe.Graph, options).Where(s => s.Node.Name == l.Name))
                {
                    QuantScheme scheme = b >= 8
                        ? new(8, Signed: true, Symmetric: true, Granularity.Channel, site.Axis)
                        : new(b, Signed: false, Symmetric: true, Granularity.Group, GroupSize: options.GroupSize);
                    // group-wise runs along K: the last axis of [N, K]; for a [K, N] weight, approximate by groups along N
                    site.Owner.Initializers[site.Name] = Quantizer.FakeQuantize(site.Weight, Quantizer.Calibrate(site.Weight, scheme));
                }
                result[(l.Name, b)] = OutputAgreement.Compare(reference, OutputAgreement.Outputs(probe, batches)).RelativeError;
            }
        return result;
    }
}
