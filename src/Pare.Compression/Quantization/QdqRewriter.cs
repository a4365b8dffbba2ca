using Pare.Core;
using Pare.Graph;

namespace Pare.Compression.Quantization;

/// <summary>Graph rewrites that write quantized layers in ONNX Runtime's formats (QDQ, MatMulInteger, MatMulNBits).</summary>
internal static class QdqRewriter
{
    /// <summary>QuantizeLinear→DequantizeLinear (uint8, per tensor, range [lo, hi]) on <paramref name="value"/>;
    /// every reader of the value reads the dequantized copy.</summary>
    public static void InsertActivationQdq(ModelGraph graph, string value, float lo, float hi)
    {
        var (scale, zp) = QuantParams.FromRange(QuantScheme.Activations(), lo, hi);
        var sName = Fresh(graph, value + "_scale");
        graph.Initializers[sName] = Tensor.Wrap(new[] { scale }, default);
        var zName = Fresh(graph, value + "_zero_point");
        graph.Initializers[zName] = Tensor.Wrap(new[] { (byte)zp }, default);
        var qName = value + "_QuantizeLinear_Output";
        var dqName = value + "_DequantizeLinear_Output";
        foreach (var n in graph.Nodes)
            for (var i = 0; i < n.Inputs.Count; i++)
                if (n.Inputs[i] == value) n.Inputs[i] = dqName;
        graph.Nodes.Add(new Node(value + "_QuantizeLinear", "QuantizeLinear", [value, sName, zName], [qName]));
        graph.Nodes.Add(new Node(value + "_DequantizeLinear", "DequantizeLinear", [qName, sName, zName], [dqName]));
    }

    /// <summary>Replaces the weight at <paramref name="site"/> by an int8 initializer (kept in the graph that owned the
    /// float weight) read through a DequantizeLinear in the node's graph (symmetric, per output channel or per tensor).
    /// A weight read by several nodes is quantized once: <paramref name="done"/> remembers, per graph, the
    /// initializers (key "levels:" + weight) and DequantizeLinear output (key "dq:" + weight) already written. Each
    /// block's clipping range comes from <paramref name="estimator"/> (min–max when null).</summary>
    public static LayerRecord WeightDq(WeightSite site, int bits, Granularity granularity, Dictionary<(ModelGraph, string), string[]> done, IRangeEstimator? estimator = null)
    {
        var (graph, node, owner, stem) = (site.Graph, site.Node, site.Owner, site.Name);
        if (done.TryGetValue((graph, "dq:" + stem), out var existing))
        {
            node.Inputs[site.Input] = existing[0];
            return new LayerRecord(node.Name, node.OpType, bits, 0, 0, 0);
        }
        var w = site.Weight;
        var scheme = new QuantScheme(bits, Signed: true, Symmetric: true, granularity, site.Axis);
        var p = Quantizer.Calibrate(w, scheme, estimator);
        var levels = Quantizer.Quantize(w, p);
        var error = RelativeError(w, Quantizer.Dequantize(levels, w.Shape, p));
        long bytes = 0, floatBytes = 0;
        if (!done.TryGetValue((owner, "levels:" + stem), out var names))
        {
            var qName = Fresh(owner, stem + "_quantized");
            owner.Initializers[qName] = Tensor.Wrap(levels.Select(v => (sbyte)v).ToArray(), w.Shape);
            var sName = Fresh(owner, stem + "_scale");
            var zName = Fresh(owner, stem + "_zero_point");
            Shape paramShape = granularity == Granularity.Tensor ? default : new Shape(p.Scales.Length);
            owner.Initializers[sName] = Tensor.Wrap(p.Scales, paramShape);
            owner.Initializers[zName] = Tensor.Wrap(new sbyte[p.Scales.Length], paramShape);
            done[(owner, "levels:" + stem)] = names = [qName, sName, zName];
            (bytes, floatBytes) = (levels.Length + p.Scales.Length * 5L, w.Shape.ElementCount * 4L);
        }
        var dqOut = Fresh(graph, stem + "_DequantizeLinear_Output");
        var dq = new Node(dqOut[..^"_Output".Length], "DequantizeLinear", names, [dqOut]);
        if (granularity != Granularity.Tensor) dq.Attributes.Set("axis", AttributeValue.Of((long)site.Axis));
        graph.Nodes.Add(dq);
        node.Inputs[site.Input] = dqOut;
        done[(graph, "dq:" + stem)] = [dqOut];
        return new LayerRecord(node.Name, node.OpType, bits, bytes, floatBytes, error);
    }

    /// <summary>Rewrites a MatMul/Gemm as com.microsoft MatMulNBits with <paramref name="bits"/>-bit group-wise
    /// weights (stored in the 4-bit container for 2 and 3 bits), plus an Add for a Gemm bias.</summary>
    public static LayerRecord MatMulNBits(Model model, Node node, int bits, int groupSize)
    {
        var graph = model.Graph;
        if (groupSize < 16 || (groupSize & (groupSize - 1)) != 0)
            throw new QuantizationException($"node '{node.Name}': MatMulNBits needs a power-of-two group size ≥ 16, got {groupSize}");
        if (node.OpType == "Gemm" && (node.Attributes.Float("alpha", 1f) != 1f || node.Attributes.Float("beta", 1f) != 1f))
            throw new QuantizationException($"node '{node.Name}': Gemm with alpha/beta ≠ 1 is not supported for MatMulNBits");
        var w = graph.Initializers[node.Inputs[1]];
        var nk = OutputAxis(node) == 0 ? w : Transpose(w); // [N, K]
        int n = nk.Shape[0], k = nk.Shape[1];
        var blocks = (k + groupSize - 1) / groupSize;
        var padded = new float[n * blocks * groupSize];
        var src = nk.Contiguous().AsSpan<float>();
        for (var r = 0; r < n; r++) src.Slice(r * k, k).CopyTo(padded.AsSpan(r * blocks * groupSize));
        var wp = Tensor.Wrap(padded, new Shape(n, blocks * groupSize));
        // unsigned symmetric: zero point 2^(b−1), MatMulNBits' default when no zero points are given
        var p = Quantizer.Calibrate(wp, new QuantScheme(bits, Signed: false, Symmetric: true, Granularity.Group, GroupSize: groupSize));
        var levels = Quantizer.Quantize(wp, p);
        // 2/3-bit levels are shifted into the 4-bit container around its zero point 8
        var shift = 8 - p.ZeroPoints[0];
        var stored = levels.Select(v => v + shift).ToArray();
        var error = RelativeError(wp, Quantizer.Dequantize(levels, wp.Shape, p));
        var stem = node.Inputs[1];
        var bName = Fresh(graph, stem + "_q4");
        graph.Initializers[bName] = Tensor.Wrap(Quantizer.PackNibbles(stored), new Shape(n, blocks, groupSize / 2));
        var sName = Fresh(graph, stem + "_scales");
        graph.Initializers[sName] = Tensor.Wrap(p.Scales, new Shape(n * blocks));
        var output = node.Outputs[0];
        var hasBias = node.OpType == "Gemm" && node.Inputs.Count > 2 && node.Inputs[2].Length > 0;
        var mmOut = hasBias ? Fresh(graph, output + "_matmul") : output;
        var mm = new Node(node.Name + "_MatMulNBits", "MatMulNBits", [node.Inputs[0], bName, sName], [mmOut], "com.microsoft");
        mm.Attributes.Set("K", AttributeValue.Of((long)k));
        mm.Attributes.Set("N", AttributeValue.Of((long)n));
        mm.Attributes.Set("bits", AttributeValue.Of(4L));
        mm.Attributes.Set("block_size", AttributeValue.Of((long)groupSize));
        var index = graph.Nodes.IndexOf(node);
        graph.Nodes[index] = mm;
        if (hasBias) graph.Nodes.Insert(index + 1, new Node(node.Name + "_bias", "Add", [mmOut, node.Inputs[2]], [output]));
        model.Opsets.TryAdd("com.microsoft", 1);
        return new LayerRecord(node.Name, node.OpType, bits, padded.Length / 2 + p.Scales.Length * 4L, w.Shape.ElementCount * 4L, error);
    }

    /// <summary>Rewrites a MatMul/Gemm as DynamicQuantizeLinear(x) → MatMulInteger(x_q, W_q) → Cast → ·(s_x · s_w)
    /// (+ bias), with W int8 symmetric per output column.</summary>
    public static LayerRecord Dynamic(ModelGraph graph, Node node)
    {
        var w = graph.Initializers[node.Inputs[1]];
        var kn = OutputAxis(node) == 1 ? w : Transpose(w); // [K, N]
        var p = Quantizer.Calibrate(kn, new QuantScheme(8, Signed: true, Symmetric: true, Granularity.Channel, Axis: 1));
        var levels = Quantizer.Quantize(kn, p);
        var error = RelativeError(kn, Quantizer.Dequantize(levels, kn.Shape, p));
        var stem = node.Inputs[1];
        var x = node.Inputs[0];
        var output = node.Outputs[0];
        var wName = Fresh(graph, stem + "_quantized");
        graph.Initializers[wName] = Tensor.Wrap(levels.Select(v => (sbyte)v).ToArray(), kn.Shape);
        var wsName = Fresh(graph, stem + "_scale");
        graph.Initializers[wsName] = Tensor.Wrap(p.Scales, new Shape(p.Scales.Length));
        string V(string s) => Fresh(graph, $"{node.Name}_{s}");
        string xq = V("x_quantized"), xs = V("x_scale"), xz = V("x_zero_point"), acc = V("int32"), accF = V("float"), scaled = V("x_scaled");
        var hasBias = node.OpType == "Gemm" && node.Inputs.Count > 2 && node.Inputs[2].Length > 0;
        var mulOut = hasBias ? V("no_bias") : output;
        var cast = new Node(node.Name + "_Cast", "Cast", [acc], [accF]);
        cast.Attributes.Set("to", AttributeValue.Of(1L));
        var nodes = new List<Node>
        {
            new(node.Name + "_DynamicQuantizeLinear", "DynamicQuantizeLinear", [x], [xq, xs, xz]),
            new(node.Name + "_MatMulInteger", "MatMulInteger", [xq, wName, xz], [acc]),
            cast,
            new(node.Name + "_ScaleX", "Mul", [accF, xs], [scaled]),
            new(node.Name + "_ScaleW", "Mul", [scaled, wsName], [mulOut]),
        };
        if (hasBias) nodes.Add(new Node(node.Name + "_bias", "Add", [mulOut, node.Inputs[2]], [output]));
        var index = graph.Nodes.IndexOf(node);
        graph.Nodes.RemoveAt(index);
        graph.Nodes.InsertRange(index, nodes);
        return new LayerRecord(node.Name, node.OpType, 8, levels.Length + p.Scales.Length * 4L, w.Shape.ElementCount * 4L, error);
    }

    /// <summary>Axis of the weight that indexes output channels/columns: 0 for Conv and transB Gemm, else 1.</summary>
    public static int OutputAxis(Node node) =>
        node.OpType == "Conv" || (node.OpType == "Gemm" && node.Attributes.Int("transB", 0) != 0) ? 0 : 1;

    private static Tensor Transpose(Tensor m)
    {
        int r = m.Shape[0], c = m.Shape[1];
        var src = m.Contiguous().AsSpan<float>();
        var dst = new float[r * c];
        for (var i = 0; i < r; i++)
            for (var j = 0; j < c; j++) dst[j * r + i] = src[i * c + j];
        return Tensor.Wrap(dst, new Shape(c, r));
    }

    /// <summary>‖a − b‖ / ‖a‖.</summary>
    public static double RelativeError(Tensor a, Tensor b)
    {
        var x = a.Contiguous().AsSpan<float>();
        var y = b.Contiguous().AsSpan<float>();
        double num = 0, den = 0;
        for (var i = 0; i < x.Length; i++) { var d = x[i] - y[i]; num += d * d; den += x[i] * (double)x[i]; }
        return den > 0 ? Math.Sqrt(num / den) : 0;
    }

    private static string Fresh(ModelGraph graph, string stem)
    {
        var name = stem;
        for (var k = 1; graph.Initializers.ContainsKey(name) || graph.Nodes.Any(n => n.Outputs.Contains(name)); k++) name = $"{stem}_{k}";
        return name;
    }
}
