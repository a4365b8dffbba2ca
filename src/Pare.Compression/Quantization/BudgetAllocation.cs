using Pare.Core;
using Pare.Graph;
using Pare.Graph.Execution;
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

/// <summary>Mixed precision to a byte budget. Sensitivity: per layer and bit width, the relative RMS error of the
/// model's outputs on the calibration batches when only that layer's weights are (fake-)quantized. Allocation:
/// start with every layer in float and greedily lower the bits of the layer with the least added loss per byte
/// saved, until the written file (measured by serializing, not estimated) fits.</summary>
public static class BudgetAllocation
{
    /// <summary>Bits tried per layer: group-wise 4 bits exists for MatMul/Gemm (MatMulNBits), 8 for all.</summary>
    public static int[] Candidates(Node node) => node.OpType is "MatMul" or "Gemm" ? [32, 8, 4] : [32, 8];

    /// <summary>The allocation meeting <paramref name="maxBytes"/> with the least expected loss (greedy), or
    /// <see cref="BudgetUnmetException"/> listing the smallest feasible sizes.</summary>
    public static BitAllocation Allocate(Model model, QuantizationOptions options, long maxBytes, IReadOnlyList<Tensor[]> batches)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(batches);
        var prepared = Prepared(model);
        var targets = QuantizationPass.Targets(prepared.Graph);
        var sensitivity = Sensitivity(model, targets, options, batches);
        var bits = targets.ToDictionary(t => t.Name, _ => 32, StringComparer.Ordinal);
        var path = new List<BitAllocation> { Measure(model, options, batches, bits, sensitivity) };
        while (path[^1].Bytes > maxBytes)
        {
            (string Node, int Bits, double Score)? best = null;
            foreach (var t in targets)
            {
                var c = Candidates(t);
                var i = Array.IndexOf(c, bits[t.Name]);
                if (i + 1 >= c.Length) continue;
                var w = prepared.Graph.Initializers[t.Inputs[1]].Shape.ElementCount;
                var saved = w * (c[i] - c[i + 1]) / 8.0;
                var score = (sensitivity[(t.Name, c[i + 1])] - sensitivity[(t.Name, c[i])]) / saved;
                if (best is null || score < best.Value.Score) best = (t.Name, c[i + 1], score);
            }
            if (best is null)
                throw new BudgetUnmetException(maxBytes, [.. path.OrderBy(p => p.Bytes).Take(3)]);
            bits[best.Value.Node] = best.Value.Bits;
            path.Add(Measure(model, options, batches, bits, sensitivity));
        }
        return path[^1];
    }

    private static BitAllocation Measure(Model model, QuantizationOptions options, IReadOnlyList<Tensor[]> batches, Dictionary<string, int> bits, Dictionary<(string, int), double> sensitivity)
    {
        var copy = new Dictionary<string, int>(bits, StringComparer.Ordinal);
        var (q, _) = QuantizationPass.Run(model, options with { LayerBits = copy }, options.Mode == QuantizationMode.Static ? batches : null);
        return new BitAllocation(copy, OnnxModel.ToBytes(q).Length, copy.Sum(kv => sensitivity[(kv.Key, kv.Value)]));
    }

    /// <summary>Relative RMS output error per (layer, bits) with only that layer's weights fake-quantized as the
    /// pass would store them (per channel at 8 bits, group-wise below).</summary>
    public static Dictionary<(string, int), double> Sensitivity(Model model, IReadOnlyList<Node> targets, QuantizationOptions options, IReadOnlyList<Tensor[]> batches)
    {
        ArgumentNullException.ThrowIfNull(targets);
        ArgumentNullException.ThrowIfNull(options);
        var prepared = Prepared(model);
        var reference = Run(prepared, batches);
        var result = new Dictionary<(string, int), double>();
        foreach (var t in targets)
            foreach (var b in Candidates(t))
            {
                if (b == 32) { result[(t.Name, b)] = 0; continue; }
                var probe = prepared.Clone();
                var w = probe.Graph.Initializers[t.Inputs[1]];
                var axis = QdqRewriter.OutputAxis(t);
                QuantScheme scheme = b >= 8
                    ? new(8, Signed: true, Symmetric: true, Granularity.Channel, axis)
                    : new(b, Signed: false, Symmetric: true, Granularity.Group, GroupSize: options.GroupSize);
                // group-wise runs along K: the last axis of [N, K]; for a [K, N] weight, approximate by groups along N
                probe.Graph.Initializers[t.Inputs[1]] = Quantizer.FakeQuantize(w, Quantizer.Calibrate(w, scheme));
                var outputs = Run(probe, batches);
                double num = 0, den = 0;
                for (var i = 0; i < outputs.Count; i++)
                    for (var j = 0; j < outputs[i].Length; j++)
                    {
                        var d = outputs[i][j] - reference[i][j];
                        num += d * d;
                        den += reference[i][j] * (double)reference[i][j];
                    }
                result[(t.Name, b)] = den > 0 ? Math.Sqrt(num / den) : 0;
            }
        return result;
    }

    private static Model Prepared(Model model)
    {
        var q = model.Clone();
        Graph.Optimization.ConstantFolding.Run(q);
        Graph.Optimization.BatchNormFolding.Run(q.Graph);
        return q;
    }

    private static List<float[]> Run(Model model, IReadOnlyList<Tensor[]> batches)
    {
        var session = new InferenceSession(model, optimize: false);
        return [.. batches.Select(b => session.Run(b)[0].Contiguous().AsSpan<float>().ToArray())];
    }
}
