using Pare.Core;
using Pare.Graph.Ops.Onnx;

namespace Pare.Graph.Optimization;

/// <summary>Inference-only rewrites of a 2-D ConvTranspose's output (the upsampling heads of detection models write
/// ConvTranspose → Add(bias) → BatchNormalization → Relu): (1) a following Add of a constant per-channel tensor
/// ((C), (C, 1, 1) or (1, C, 1, 1)) becomes its bias; (2) a following inference BatchNormalization is folded into
/// its weight and bias (with s = γ / √(σ² + ε): W'[c_in, j] = W[c_in, j] · s[c_out], b' = (b − μ) · s + β, as
/// <see cref="BatchNormFolding"/> does for Conv); (3) a following activation (the ones FusedConv takes) turns it into
/// a com.pare <see cref="FusedConvTranspose"/> that applies it row by row inside the kernel. Applies only when the
/// weight (and bias) are initializers, the node has no auto_pad, output_shape or negative pads, and the removed
/// values have no other reader and are not graph outputs.</summary>
internal static class ConvTransposeFusion
{
    /// <summary>Runs the rewrites over the model's main graph.</summary>
    /// <param name="model">model, rewritten in place</param>
    /// <returns>(folded Adds and batch norms, fused activations)</returns>
    public static (int Folded, int Fused) Run(Model model)
    {
        var graph = model.Graph;
        int folded = 0, fused = 0;
        long opset = model.OpsetOf("");
        foreach (var ct in graph.Nodes.ToList())
        {
            if (!Eligible(graph, ct)) continue;
            while (FoldBias(graph, ct) || FoldBatchNorm(graph, ct)) folded++;
            if (FuseActivation(graph, ct, opset)) fused++;
        }
        if (folded > 0) BatchNormFolding.DropUnused(graph);
        return (folded, fused);
    }

    private static bool Eligible(ModelGraph graph, Node ct)
    {
        if (ct.OpType != "ConvTranspose" || ct.Domain.Length != 0 || ct.Outputs.Count != 1 || ct.Inputs.Count < 2) return false;
        if (!graph.Initializers.TryGetValue(ct.Inputs[1], out var w) || w.DType != DType.Float32 || w.Rank != 4) return false;
        if (ct.Inputs.Count > 2 && ct.Inputs[2].Length > 0 && !graph.Initializers.ContainsKey(ct.Inputs[2])) return false;
        var a = ct.Attributes;
        if (a.String("auto_pad", "NOTSET") != "NOTSET" || a.Has("output_shape")) return false;
        return a.IntArray("pads") is not { } pads || pads.All(p => p >= 0);
    }

    private static int OutChannels(ModelGraph graph, Node ct) =>
        graph.Initializers[ct.Inputs[1]].Dim(1) * (int)ct.Attributes.Int("group", 1);

    // the bias as an array (zeros when the node has none)
    private static float[] Bias(ModelGraph graph, Node ct) =>
        ct.Inputs.Count > 2 && ct.Inputs[2].Length > 0
            ? graph.Initializers[ct.Inputs[2]].Contiguous().ToArray<float>()
            : new float[OutChannels(graph, ct)];

    private static void SetBias(ModelGraph graph, Node ct, float[] bias)
    {
        var name = Fresh(graph, ct.Name + "_bias_fused");
        graph.Initializers[name] = Tensor.Wrap(bias, new Shape(bias.Length));
        if (ct.Inputs.Count > 2) ct.Inputs[2] = name; else ct.Inputs.Add(name);
    }

    // ConvTranspose → Add(y, b) with a constant b of one value per output channel
    private static bool FoldBias(ModelGraph graph, Node ct)
    {
        var y = ct.Outputs[0];
        if (ConvActivationFusion.Single(graph, y) is not { Domain: "", OpType: "Add" } add || add.Inputs.Count != 2 || add.Outputs.Count != 1) return false;
        var other = add.Inputs[0] == y ? add.Inputs[1] : add.Inputs[0];
        int channels = OutChannels(graph, ct);
        if (other == y || !graph.Initializers.TryGetValue(other, out var t) || t.DType != DType.Float32 || t.Count != channels) return false;
        bool perChannel = t.Rank switch
        {
            1 => true,
            3 => t.Dim(1) == 1 && t.Dim(2) == 1,
            4 => t.Dim(0) == 1 && t.Dim(2) == 1 && t.Dim(3) == 1,
            _ => false,
        };
        if (!perChannel) return false;
        var bias = Bias(graph, ct);
        var add0 = t.Contiguous().AsSpan<float>();
        for (int c = 0; c < channels; c++) bias[c] += add0[c];
        SetBias(graph, ct, bias);
        ct.Outputs[0] = add.Outputs[0];
        graph.Nodes.Remove(add);
        return true;
    }

    // ConvTranspose → BatchNormalization (inference): scale the weight's output-channel slices and fold the shift
    private static bool FoldBatchNorm(ModelGraph graph, Node ct)
    {
        var y = ct.Outputs[0];
        if (ConvActivationFusion.Single(graph, y) is not { Domain: "", OpType: "BatchNormalization" } bn || bn.Inputs.Count < 5 || bn.Inputs[0] != y) return false;
        if (bn.Outputs.Skip(1).Any(o => o.Length > 0) || bn.Attributes.Int("training_mode", 0) != 0) return false;
        int channels = OutChannels(graph, ct);
        var stats = new float[4][];
        for (int k = 0; k < 4; k++)
        {
            if (!graph.Initializers.TryGetValue(bn.Inputs[k + 1], out var t) || t.DType != DType.Float32 || t.Count != channels) return false;
            stats[k] = t.Contiguous().ToArray<float>();
        }
        var w = graph.Initializers[ct.Inputs[1]];
        int groups = (int)ct.Attributes.Int("group", 1), inChannels = w.Dim(0), perGroup = w.Dim(1), taps = w.Dim(2) * w.Dim(3);
        var eps = bn.Attributes.Float("epsilon", 1e-5f);
        var s = new float[channels];
        for (int c = 0; c < channels; c++) s[c] = stats[0][c] / MathF.Sqrt(stats[3][c] + eps);
        var oldW = w.Contiguous().AsSpan<float>();
        var newW = new float[oldW.Length];
        for (int ci = 0; ci < inChannels; ci++)
        {
            int group = ci / (inChannels / groups);
            for (int j = 0; j < perGroup; j++)
            {
                float scale = s[group * perGroup + j];
                int at = (ci * perGroup + j) * taps;
                for (int k = 0; k < taps; k++) newW[at + k] = oldW[at + k] * scale;
            }
        }
        var bias = Bias(graph, ct);
        for (int c = 0; c < channels; c++) bias[c] = (bias[c] - stats[2][c]) * s[c] + stats[1][c];
        var wName = Fresh(graph, ct.Inputs[1] + "_bnfolded");
        graph.Initializers[wName] = Tensor.Wrap(newW, w.Shape);
        ct.Inputs[1] = wName;
        SetBias(graph, ct, bias);
        ct.Outputs[0] = bn.Outputs[0];
        graph.Nodes.Remove(bn);
        return true;
    }

    private static bool FuseActivation(ModelGraph graph, Node ct, long opset)
    {
        var y = ct.Outputs[0];
        if (ConvActivationFusion.Single(graph, y) is not { Domain: "" } act || act.Inputs.Count < 1 || act.Inputs[0] != y) return false;
        if (act.Outputs.Count < 1 || act.Outputs.Skip(1).Any(o => o.Length > 0) || act.Inputs.Skip(1).Any(n => n == y)) return false;
        float[]? p = act.OpType switch
        {
            "Relu" or "Sigmoid" or "HardSwish" => [],
            "LeakyRelu" => [act.Attributes.Float("alpha", 0.01f)],
            "HardSigmoid" => [act.Attributes.Float("alpha", 0.2f), act.Attributes.Float("beta", 0.5f)],
            "Clip" => ConvActivationFusion.ClipBounds(graph, act, opset),
            _ => null,
        };
        if (p is null) return false;
        ct.OpType = "FusedConvTranspose";
        ct.Domain = FusedConvTranspose.Domain;
        ct.Attributes.Set("activation", AttributeValue.Of(act.OpType));
        if (p.Length > 0) ct.Attributes.Set("activation_params", AttributeValue.Of(p));
        ct.Outputs[0] = act.Outputs[0];
        graph.Nodes.Remove(act);
        return true;
    }

    private static string Fresh(ModelGraph graph, string stem)
    {
        var name = stem;
        for (var k = 1; graph.Initializers.ContainsKey(name); k++) name = $"{stem}_{k}";
        return name;
    }
}
