using Pare.Core;

namespace Pare.Graph.Optimization;

/// <summary>Raises a model's default-domain opset, rewriting the nodes whose signature changed on the way (what
/// ONNX's version converter does for these ops), so every node means the same at the new opset:
/// <list type="bullet">
/// <item>Slice (10), Clip (11), Pad (11), TopK (10), Squeeze/Unsqueeze/ReduceSum/Split (13): attributes that became
/// inputs are moved into initializers;</item>
/// <item>Softmax/LogSoftmax/Hardmax (13): before 13 they flattened the input to 2-D at <c>axis</c>; unless the axis
/// is already the last one (−1), the node becomes Flatten → op(axis −1) → Reshape to the input's shape;</item>
/// <item>Dropout (12), BatchNormalization (9): attributes that no longer exist (inference-irrelevant) are dropped.</item>
/// </list>
/// Subgraphs (If branches, Loop bodies) are rewritten too. Ops whose meaning changed in ways not handled here
/// (Upsample, Resize-10, Scatter, Scan-8) and models older than opset 7 are refused by name.
/// Quantization needs this: per-channel DequantizeLinear exists from opset 13 on.</summary>
internal static class OpsetUpgrade
{
    /// <summary>Raises <paramref name="model"/>'s default-domain opset to <paramref name="target"/> (no-op when
    /// already there); returns the number of nodes rewritten.</summary>
    /// <exception cref="GraphException">a node cannot be upgraded (named)</exception>
    public static int Run(Model model, long target)
    {
        ArgumentNullException.ThrowIfNull(model);
        var from = model.OpsetOf("");
        if (from >= target) return 0;
        if (from < 7) throw new GraphException($"cannot upgrade a model of opset {from} to {target}: opsets before 7 (broadcast attributes) are not supported");
        var rewritten = Upgrade(model.Graph, from, target);
        model.Opsets[""] = target;
        return rewritten;
    }

    private static int Upgrade(ModelGraph graph, long from, long target)
    {
        var count = 0;
        foreach (var node in graph.Nodes.ToList())
        {
            foreach (var (_, value) in node.Attributes)
            {
                if (value.G is not null) count += Upgrade(value.G, from, target);
                foreach (var g in value.Graphs) count += Upgrade(g, from, target);
            }
            if (node.Domain.Length == 0 && Rewrite(graph, node, from, target)) count++;
        }
        return count;
    }

    private static bool Since(long from, long target, long version) => from < version && target >= version;

    private static bool Rewrite(ModelGraph graph, Node node, long from, long target)
    {
        switch (node.OpType)
        {
            case "Slice" when Since(from, target, 10):
                var starts = node.Attributes.Ints("starts") ?? throw GraphException.At(node, "Slice before opset 10 needs 'starts'");
                var ends = node.Attributes.Ints("ends") ?? throw GraphException.At(node, "Slice before opset 10 needs 'ends'");
                node.Inputs.Add(Const(graph, node, "starts", starts));
                node.Inputs.Add(Const(graph, node, "ends", ends));
                if (node.Attributes.Ints("axes") is { } axes) node.Inputs.Add(Const(graph, node, "axes", axes));
                RemoveAll(node, "starts", "ends", "axes");
                return true;
            case "Clip" when Since(from, target, 11):
                node.Inputs.Add(Const(graph, node, "min", node.Attributes.Float("min", float.MinValue)));
                node.Inputs.Add(Const(graph, node, "max", node.Attributes.Float("max", float.MaxValue)));
                RemoveAll(node, "min", "max");
                return true;
            case "Pad" when Since(from, target, 11):
                var pads = node.Attributes.Ints("pads") ?? throw GraphException.At(node, "Pad before opset 11 needs 'pads'");
                node.Inputs.Add(Const(graph, node, "pads", pads));
                node.Inputs.Add(Const(graph, node, "value", node.Attributes.Float("value", 0f)));
                RemoveAll(node, "pads", "value");
                return true;
            case "TopK" when Since(from, target, 10):
                node.Inputs.Add(Const(graph, node, "k", [node.Attributes.Int("k")]));
                RemoveAll(node, "k");
                return true;
            case "Squeeze" or "Unsqueeze" or "ReduceSum" when Since(from, target, 13):
                if (node.Attributes.Ints("axes") is not { } axes13) return false;
                node.Inputs.Add(Const(graph, node, "axes", axes13));
                RemoveAll(node, "axes");
                return true;
            case "Split" when Since(from, target, 13):
                if (node.Attributes.Ints("split") is not { } split) return false;
                node.Inputs.Add(Const(graph, node, "split", split));
                RemoveAll(node, "split");
                return true;
            case "Softmax" or "LogSoftmax" or "Hardmax" when Since(from, target, 13):
                return CoercedToAxis(graph, node);
            case "Dropout" when Since(from, target, 12):
                return RemoveAll(node, "ratio", "is_test");
            case "BatchNormalization" when Since(from, target, 9):
                if (node.Attributes.Int("spatial", 1) != 1) throw GraphException.At(node, "BatchNormalization with spatial=0 cannot be upgraded");
                return RemoveAll(node, "spatial", "is_test", "consumed_inputs");
            case "Upsample" when target >= 10:
            case "Resize" when from == 10:
            case "Scatter" when target >= 11:
            case "Scan" when from < 9:
                throw GraphException.At(node, $"upgrading {node.OpType} from opset {from} to {target} is not supported");
            default:
                return false;
        }
    }

    // Old semantics: y = op(Flatten(x, axis)) reshaped back; rewritten literally unless axis is already the last.
    private static bool CoercedToAxis(ModelGraph graph, Node node)
    {
        var axis = node.Attributes.Int("axis", 1);
        if (axis == -1) return false;
        var x = node.Inputs[0];
        var y = node.Outputs[0];
        var flat = Fresh(graph, $"{node.Name}_flat");
        var shape = Fresh(graph, $"{node.Name}_shape");
        var out2d = Fresh(graph, $"{node.Name}_2d");
        var flatten = new Node(node.Name + "_Flatten", "Flatten", [x], [flat]);
        flatten.Attributes.Set("axis", AttributeValue.Of(axis));
        node.Inputs[0] = flat;
        node.Outputs[0] = out2d;
        node.Attributes.Set("axis", AttributeValue.Of(-1L));
        var index = graph.Nodes.IndexOf(node);
        graph.Nodes.Insert(index, flatten);
        graph.Nodes.Insert(index, new Node(node.Name + "_Shape", "Shape", [x], [shape]));
        graph.Nodes.Insert(index + 3, new Node(node.Name + "_Reshape", "Reshape", [out2d, shape], [y]));
        return true;
    }

    private static bool RemoveAll(Node node, params string[] names)
    {
        foreach (var n in names) node.Attributes.Remove(n);
        return true;
    }

    private static string Const(ModelGraph graph, Node node, string what, long[] values)
    {
        var name = Fresh(graph, $"{node.Name}_{what}");
        graph.Initializers[name] = Tensor.Wrap(values, new Shape(values.Length));
        return name;
    }

    private static string Const(ModelGraph graph, Node node, string what, float value)
    {
        var name = Fresh(graph, $"{node.Name}_{what}");
        graph.Initializers[name] = Tensor.Wrap(new[] { value }, default);
        return name;
    }

    private static string Fresh(ModelGraph graph, string stem)
    {
        var name = stem;
        for (var k = 1; graph.Initializers.ContainsKey(name) || graph.Nodes.Any(n => n.Outputs.Contains(name)); k++) name = $"{stem}_{k}";
        return name;
    }
}
