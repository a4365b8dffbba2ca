using Pare.Core;
using Pare.Graph;

namespace Pare.Compression.Quantization;

/// <summary>Bias correction (Nagel et al., "Data-Free Quantization Through Weight Equalization and Bias Correction",
/// ICCV 2019, §4.2, the empirical variant): quantizing a weight W to Ŵ shifts the layer's expected output by
/// ε·E[x] per output channel, with ε = Ŵ − W and E[x] the mean of each input channel. That mean is measured on the
/// calibration batches and the shift is subtracted from the layer's bias (a bias is added when the layer has none),
/// so the quantized layer's output mean matches the float one on those inputs.</summary>
public static class BiasCorrection
{
    /// <summary>Corrects the bias of each site in <paramref name="sites"/> (Conv, Gemm, MatMul whose weight its own
    /// graph holds) for the weight <paramref name="quantized"/> returns; returns the number of layers corrected.</summary>
    internal static int Apply(Model model, IReadOnlyList<WeightSite> sites, Func<WeightSite, Tensor> quantized, IReadOnlyList<Tensor[]> batches, Action<int>? progress = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(sites);
        ArgumentNullException.ThrowIfNull(quantized);
        var eligible = sites.Where(s => s.IsLinear && s.Graph == s.Owner && s.Input == 1 && BiasIsConstant(s)
            && !(s.Node.OpType == "Gemm" && s.Node.Attributes.Float("beta", 1f) != 1f)).ToList();
        var sums = new Dictionary<string, double[]>(StringComparer.Ordinal);
        var counts = new Dictionary<string, long>(StringComparer.Ordinal);
        var inputs = eligible.Select(s => s.Node.Inputs[0]).ToHashSet(StringComparer.Ordinal);
        var axisOf = eligible.GroupBy(s => s.Node.Inputs[0]).ToDictionary(g => g.Key, g => g.First().Node.OpType == "Conv" ? 1 : -1, StringComparer.Ordinal);
        ActivationCalibration.Observe(model, inputs, batches, (name, x) =>
        {
            var (sum, n) = ChannelSums(x, axisOf[name]);
            if (!sums.TryGetValue(name, out var acc)) { sums[name] = sum; counts[name] = n; return; }
            if (acc.Length != sum.Length) return;
            for (var c = 0; c < acc.Length; c++) acc[c] += sum[c];
            counts[name] += n;
        }, progress);
        var corrected = 0;
        foreach (var s in eligible)
        {
            if (!sums.TryGetValue(s.Node.Inputs[0], out var sum)) continue;
            var mean = sum.Select(v => v / counts[s.Node.Inputs[0]]).ToArray();
            var shift = OutputShift(s, quantized(s), mean);
            if (shift is null) continue;
            SubtractFromBias(s, shift);
            corrected++;
        }
        return corrected;
    }

    /// <summary>ε·E[x] per output channel: Σ over the weight's input positions of (Ŵ − W)·mean of the input channel
    /// it reads (for a grouped conv, the channels of the output's group). Null when the shapes do not line up.</summary>
    internal static double[]? OutputShift(WeightSite site, Tensor quantizedWeight, double[] inputMean)
    {
        var w = site.Weight.Contiguous().AsSpan<float>();
        var q = quantizedWeight.Contiguous().AsSpan<float>();
        var shape = site.Weight.Shape;
        if (site.Node.OpType == "Conv")
        {
            int outC = shape[0], inPerGroup = shape[1], inner = shape.ElementCount / (outC * inPerGroup);
            var groups = (int)site.Node.Attributes.Int("group", 1);
            if (inputMean.Length != inPerGroup * groups || outC % groups != 0) return null;
            var shift = new double[outC];
            for (var o = 0; o < outC; o++)
            {
                var g = o / (outC / groups);
                for (var c = 0; c < inPerGroup; c++)
                    for (var k = 0; k < inner; k++)
                    {
                        var i = (o * inPerGroup + c) * inner + k;
                        shift[o] += (q[i] - (double)w[i]) * inputMean[g * inPerGroup + c];
                    }
            }
            return shift;
        }
        var transB = site.Node.OpType == "Gemm" && site.Node.Attributes.Int("transB", 0) != 0;
        int kDim = transB ? shape[1] : shape[0], nDim = transB ? shape[0] : shape[1];
        if (inputMean.Length != kDim) return null;
        var result = new double[nDim];
        for (var k = 0; k < kDim; k++)
            for (var n = 0; n < nDim; n++)
            {
                var i = transB ? n * kDim + k : k * nDim + n;
                result[n] += (q[i] - (double)w[i]) * inputMean[k];
            }
        return result;
    }

    // Sum over every axis but the channel axis (1 for a conv input (N, C, ...), the last for a matmul input).
    private static (double[] Sum, long Count) ChannelSums(Tensor x, int axis)
    {
        var v = x.Contiguous().AsSpan<float>();
        var rank = x.Shape.Rank;
        if (rank == 0) return ([], 0);
        var a = axis < 0 ? rank - 1 : Math.Min(axis, rank - 1);
        var channels = x.Shape[a];
        var inner = 1;
        for (var d = a + 1; d < rank; d++) inner *= x.Shape[d];
        var sum = new double[channels];
        for (var i = 0; i < v.Length; i++) sum[i / inner % channels] += v[i];
        return (sum, channels == 0 ? 0 : v.Length / channels);
    }

    private static string? Bias(WeightSite s) =>
        s.Node.OpType is "Conv" or "Gemm" && s.Node.Inputs.Count > 2 && s.Node.Inputs[2].Length > 0 ? s.Node.Inputs[2] : null;

    private static bool BiasIsConstant(WeightSite s) => Bias(s) is not { } b || s.Graph.Initializers.ContainsKey(b);

    private static void SubtractFromBias(WeightSite s, double[] shift)
    {
        var graph = s.Graph;
        var node = s.Node;
        var name = Bias(s);
        var old = name is null ? null : graph.Initializers[name].Contiguous().AsSpan<float>().ToArray();
        if (old is not null && old.Length != shift.Length && old.Length != 1) return;
        var bias = new float[shift.Length];
        for (var o = 0; o < bias.Length; o++) bias[o] = (float)((old is null ? 0 : old[old.Length == 1 ? 0 : o]) - shift[o]);
        var fresh = Fresh(graph, (name ?? node.Name) + "_bias_corrected");
        graph.Initializers[fresh] = Tensor.Wrap(bias, new Shape(bias.Length));
        if (node.OpType is "Conv" or "Gemm")
        {
            while (node.Inputs.Count < 3) node.Inputs.Add("");
            node.Inputs[2] = fresh;
            return;
        }
        // MatMul has no bias input: its output gets an Add (the output keeps its name, so readers are unchanged)
        var output = node.Outputs[0];
        var raw = Fresh(graph, output + "_before_bias");
        node.Outputs[0] = raw;
        graph.Nodes.Insert(graph.Nodes.IndexOf(node) + 1, new Node(node.Name + "_bias_correction", "Add", [raw, fresh], [output]));
    }

    private static string Fresh(ModelGraph graph, string stem)
    {
        var name = stem;
        for (var k = 1; graph.Initializers.ContainsKey(name) || graph.Nodes.Any(n => n.Outputs.Contains(name)); k++) name = $"{stem}_{k}";
        return name;
    }
}
