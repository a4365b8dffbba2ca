using Pare.Core;

namespace Pare.Graph.Optimization;

/// <summary>Inference-only rewrites of a Conv's output: (1) a following Mul and/or Add by a constant scalar
/// becomes the FusedConv's pre_scale / pre_shift; (2) a following activation — Relu, Clip,
/// HardSigmoid, HardSwish, LeakyRelu, Sigmoid, or the hard swish exporters write as
/// <c>Div(Mul(y, Clip(Add(y, 3), 0, 6)), 6)</c> — turns the Conv into a com.microsoft FusedConv that applies it in
/// place; (3) a following Add of a value computed earlier (a residual) becomes the FusedConv's fourth input, added
/// before the activation; (4) a Mul and/or Add by a constant scalar after the fused activation becomes its
/// output_scale / output_shift. Each rewrite applies only when the values it removes have no other reader and are not graph outputs.</summary>
internal static class ConvActivationFusion
{
    /// <summary>Runs both rewrites over the model's main graph.</summary>
    /// <param name="model">model, rewritten in place</param>
    /// <returns>(folded affine ops, fused activations)</returns>
    public static (int Folded, int Fused) Run(Model model)
    {
        var graph = model.Graph;
        int folded = 0, fused = 0;
        long opset = model.OpsetOf("");
        for (var i = 0; i < graph.Nodes.Count; i++)
        {
            var conv = graph.Nodes[i];
            if (conv.OpType != "Conv" || conv.Domain.Length != 0 || conv.Outputs.Count != 1) continue;
            while (FoldAffine(graph, conv)) folded++;
            if (FuseResidual(graph, conv, i)) fused++;
            if (FuseActivation(graph, conv, opset))
            {
                fused++;
                while (FuseOutputAffine(graph, conv)) folded++;
            }
        }
        return (folded, fused);
    }

    // Conv → Mul(y, s) then Add(y, t) with constant scalars s, t: attributes pre_scale / pre_shift of a FusedConv,
    // applied right after the bias in the ops' order, so the result is the unfused one bit for bit (folding s into
    // the weights would round differently, and deep models such as PaddleOCR rec amplify that past 1e-4)
    private static bool FoldAffine(ModelGraph graph, Node conv)
    {
        var y = conv.Outputs[0];
        if (Single(graph, y) is not { Domain: "", OpType: "Mul" or "Add" } op || op.Inputs.Count != 2 || op.Outputs.Count != 1) return false;
        var other = op.Inputs[0] == y ? op.Inputs[1] : op.Inputs[0];
        if (other == y || Scalar(graph, other) is not { } k) return false;
        if (op.OpType == "Mul" && (conv.Attributes.Has("pre_scale") || conv.Attributes.Has("pre_shift"))) return false;
        if (op.OpType == "Add" && conv.Attributes.Has("pre_shift")) return false;
        conv.OpType = "FusedConv";
        conv.Domain = "com.microsoft";
        conv.Attributes.Set(op.OpType == "Mul" ? "pre_scale" : "pre_shift", AttributeValue.Of(k));
        conv.Outputs[0] = op.Outputs[0];
        graph.Nodes.Remove(op);
        return true;
    }

    // Conv → Add(y, z) with z computed before the conv (or a graph input or initializer): z becomes the FusedConv's
    // fourth input, added to the output in place before any activation (as ONNX Runtime's FusedConv does)
    private static bool FuseResidual(ModelGraph graph, Node conv, int index)
    {
        var y = conv.Outputs[0];
        if (Single(graph, y) is not { Domain: "", OpType: "Add" } add || add.Inputs.Count != 2 || add.Outputs.Count != 1) return false;
        var z = add.Inputs[0] == y ? add.Inputs[1] : add.Inputs[0];
        if (z == y || z.Length == 0) return false;
        var producer = graph.Nodes.FindIndex(n => n.Outputs.Contains(z));
        if (producer >= index) return false;
        while (conv.Inputs.Count < 3) conv.Inputs.Add("");
        conv.Inputs.Add(z);
        conv.OpType = "FusedConv";
        conv.Domain = "com.microsoft";
        conv.Outputs[0] = add.Outputs[0];
        graph.Nodes.Remove(add);
        return true;
    }

    private static bool FuseActivation(ModelGraph graph, Node conv, long opset)
    {
        var y = conv.Outputs[0];
        if (IsOutput(graph, y)) return false;
        var readers = Readers(graph, y);
        if (readers.Count == 1 && readers[0].Domain.Length == 0 && readers[0].Outputs.Count >= 1 && readers[0].Inputs.Count >= 1 && readers[0].Inputs[0] == y)
        {
            var act = readers[0];
            if (act.Outputs.Skip(1).Any(o => o.Length > 0)) return false;
            float[]? p = act.OpType switch
            {
                "Relu" or "Sigmoid" or "HardSwish" => [],
                "LeakyRelu" => [act.Attributes.Float("alpha", 0.01f)],
                "HardSigmoid" => [act.Attributes.Float("alpha", 0.2f), act.Attributes.Float("beta", 0.5f)],
                "Clip" => ClipBounds(graph, act, opset),
                _ => null,
            };
            if (p is null) return false;
            if (act.Inputs.Skip(1).Any(n => n == y)) return false;
            Fuse(graph, conv, act.OpType, p, act.Outputs[0], [act]);
            return true;
        }
        if (readers.Count != 2) return false;
        // hard swish as Add, Clip, Mul, Div: y · clip(y + a, lo, hi) / d
        var add = readers.FirstOrDefault(n => n is { OpType: "Add", Domain: "" });
        var mul = readers.FirstOrDefault(n => n is { OpType: "Mul", Domain: "" });
        if (add is null || mul is null || add.Inputs.Count != 2 || mul.Inputs.Count != 2) return false;
        if (Scalar(graph, add.Inputs[0] == y ? add.Inputs[1] : add.Inputs[0]) is not { } shift) return false;
        var addOut = add.Outputs[0];
        if (IsOutput(graph, addOut) || Single(graph, addOut) is not { OpType: "Clip", Domain: "" } clip || clip.Inputs[0] != addOut) return false;
        if (ClipBounds(graph, clip, opset) is not { } bounds) return false;
        var clipOut = clip.Outputs[0];
        if (IsOutput(graph, clipOut) || Readers(graph, clipOut) is not [var only] || only != mul) return false;
        if (!(mul.Inputs[0] == y && mul.Inputs[1] == clipOut || mul.Inputs[1] == y && mul.Inputs[0] == clipOut)) return false;
        var mulOut = mul.Outputs[0];
        if (IsOutput(graph, mulOut) || Single(graph, mulOut) is not { OpType: "Div", Domain: "" } div || div.Inputs.Count != 2 || div.Inputs[0] != mulOut) return false;
        if (Scalar(graph, div.Inputs[1]) is not { } divisor) return false;
        Fuse(graph, conv, "ShiftClipMulDiv", [shift, bounds[0], bounds[1], divisor], div.Outputs[0], [add, clip, mul, div]);
        return true;
    }

    // FusedConv → Mul(y, s) or Add(y, t) with constant scalars s, t (a learnable affine after the activation):
    // kept as attributes output_scale / output_shift applied after the activation, each op in its own order
    private static bool FuseOutputAffine(ModelGraph graph, Node conv)
    {
        var y = conv.Outputs[0];
        if (Single(graph, y) is not { Domain: "", OpType: "Mul" or "Add" } op || op.Inputs.Count != 2 || op.Outputs.Count != 1) return false;
        var other = op.Inputs[0] == y ? op.Inputs[1] : op.Inputs[0];
        if (other == y || Scalar(graph, other) is not { } k) return false;
        // a Mul after a shift would have to scale the shift as well: only Mul then Add, each at most once
        if (op.OpType == "Mul" && (conv.Attributes.Has("output_scale") || conv.Attributes.Has("output_shift"))) return false;
        if (op.OpType == "Add" && conv.Attributes.Has("output_shift")) return false;
        conv.Attributes.Set(op.OpType == "Mul" ? "output_scale" : "output_shift", AttributeValue.Of(k));
        conv.Outputs[0] = op.Outputs[0];
        graph.Nodes.Remove(op);
        return true;
    }

    private static void Fuse(ModelGraph graph, Node conv, string activation, float[] parameters, string output, Node[] removed)
    {
        if (conv.Attributes.Has("activation")) throw new InvalidOperationException($"node '{conv.Name}' already has an activation");
        conv.OpType = "FusedConv";
        conv.Domain = "com.microsoft";
        conv.Attributes.Set("activation", AttributeValue.Of(activation));
        if (parameters.Length > 0) conv.Attributes.Set("activation_params", AttributeValue.Of(parameters));
        conv.Outputs[0] = output;
        foreach (var node in removed) graph.Nodes.Remove(node);
    }

    // Clip's (min, max): attributes before opset 11, optional constant scalar inputs from 11
    internal static float[]? ClipBounds(ModelGraph graph, Node clip, long opset)
    {
        if (opset < 11)
            return clip.Inputs.Count == 1 ? [clip.Attributes.Float("min", float.NegativeInfinity), clip.Attributes.Float("max", float.PositiveInfinity)] : null;
        float lo = float.NegativeInfinity, hi = float.PositiveInfinity;
        if (clip.Inputs.Count > 1 && clip.Inputs[1].Length > 0)
        {
            if (Scalar(graph, clip.Inputs[1]) is not { } v) return null;
            lo = v;
        }
        if (clip.Inputs.Count > 2 && clip.Inputs[2].Length > 0)
        {
            if (Scalar(graph, clip.Inputs[2]) is not { } v) return null;
            hi = v;
        }
        return [lo, hi];
    }

    // a float32 initializer holding one value whose broadcast cannot change a shape (rank ≤ 1)
    private static float? Scalar(ModelGraph graph, string name) =>
        graph.Initializers.TryGetValue(name, out var t) && t.DType == DType.Float32 && t.Count == 1 && t.Rank <= 1
            ? t.Contiguous().ToArray<float>()[0]
            : null;

    private static bool IsOutput(ModelGraph graph, string name) => graph.Outputs.Any(o => o.Name == name);

    internal static Node? Single(ModelGraph graph, string name) =>
        !IsOutput(graph, name) && Readers(graph, name) is [var only] ? only : null;

    // every node that reads name (once per node), counting reads from inside subgraphs as readers too
    private static List<Node> Readers(ModelGraph graph, string name)
    {
        var list = new List<Node>();
        foreach (var node in graph.Nodes)
            if (node.Inputs.Contains(name) || Execution.FreeVariables.Of(node).Contains(name)) list.Add(node);
        return list;
    }
}
