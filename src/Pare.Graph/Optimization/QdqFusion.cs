using Pare.Core;

namespace Pare.Graph.Optimization;

/// <summary>Inference-only rewrite of QDQ models into integer ops, so they run in int8 instead of dequantizing:
/// <code>
/// DequantizeLinear(x_q) ─┐
/// DequantizeLinear(W_q) ─┼─ Conv ─ QuantizeLinear → y_q    ⇒   QLinearConv(x_q, x_s, x_z, W_q, W_s, W_z, y_s, y_z, B_int32)
/// [DequantizeLinear(B_int32) | B_float]                          (MatMul: QLinearMatMul, no bias)
/// </code>
/// Applies when W_q is an 8-bit initializer (per tensor, or per output channel: axis 0 for Conv, axis 1 for a 2-D
/// MatMul weight), every scale and zero point is an initializer (scalars for x and y), and the float output's only
/// reader is the QuantizeLinear. A float bias is quantized to int32 at scale x_s·W_s[j] (as ONNX Runtime's QDQ
/// exporter does). Runs before constant folding, which would otherwise dequantize the weights into floats.
/// Dequantize nodes left without readers are removed.
/// A conv channel whose float bias does not fit int32 at that scale (W_s[j] ~ 1e-18: weights that are zero in
/// effect, as calibration leaves behind for dead channels) is fused only when its conv sum cannot reach a millionth
/// of one output step (K·255·255·x_s·W_s[j] ≤ 1e-6·y_s): its weights become its zero point and its scale y_s / x_s,
/// so the integer op yields round(B[j] / y_s) + y_z — what QuantizeLinear makes of the float conv up to that
/// millionth of a step (a tie at .5 could round the other way).</summary>
internal static class QdqFusion
{
    public static int Run(ModelGraph graph)
    {
        var producers = graph.Producers();
        var readers = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var node in graph.Nodes)
            foreach (var input in node.Inputs)
                if (input.Length > 0) readers[input] = readers.GetValueOrDefault(input) + 1;
        var outputs = graph.Outputs.Select(o => o.Name).ToHashSet(StringComparer.Ordinal);
        var quantizerOf = new Dictionary<string, Node>(StringComparer.Ordinal);
        foreach (var node in graph.Nodes)
            if (Is(node, "QuantizeLinear") && node.Inputs.Count > 0) quantizerOf[node.Inputs[0]] = node;

        int fused = 0;
        var removed = new HashSet<Node>();
        for (int i = 0; i < graph.Nodes.Count; i++)
        {
            var op = graph.Nodes[i];
            bool conv = Is(op, "Conv");
            if (!conv && !Is(op, "MatMul")) continue;
            if (op.Inputs.Count < 2 || op.Outputs.Count != 1) continue;
            var y = op.Outputs[0];
            if (outputs.Contains(y) || readers.GetValueOrDefault(y) != 1 || !quantizerOf.TryGetValue(y, out var qy)) continue;
            if (!producers.TryGetValue(op.Inputs[0], out var dx) || !Is(dx, "DequantizeLinear")) continue;
            if (!producers.TryGetValue(op.Inputs[1], out var dw) || !Is(dw, "DequantizeLinear")) continue;
            if (!ScalarParams(graph, dx) || !ScalarParams(graph, qy)) continue;
            if (!WeightParams(graph, dw, conv, out var wScale)) continue;
            string? bias = null;
            string wName = dw.Inputs[0], wScaleName = dw.Inputs[1];
            if (conv && op.Inputs.Count > 2 && op.Inputs[2].Length > 0)
            {
                var dead = new List<int>();
                bias = Bias(graph, producers, op.Inputs[2], dx, qy, dw, wScale, dead);
                if (bias is null) continue;
                if (dead.Count > 0) (wName, wScaleName) = ZeroChannels(graph, dw, wScale, dead);
            }
            var inputs = new List<string> { dx.Inputs[0], dx.Inputs[1], dx.Inputs[2], wName, wScaleName, dw.Inputs[2], qy.Inputs[1], qy.Inputs[2] };
            if (bias is not null) inputs.Add(bias);
            var fusedNode = new Node(op.Name + "_qlinear", conv ? "QLinearConv" : "QLinearMatMul", inputs, [qy.Outputs[0]]);
            if (conv) foreach (var (name, value) in op.Attributes) fusedNode.Attributes.Set(name, value);
            graph.Nodes[i] = fusedNode;
            removed.Add(qy);
            Release(readers, op.Inputs);
            Release(readers, [y]);
            fused++;
        }
        if (fused == 0) return 0;
        // dequantize nodes nobody reads any more (the weight's, usually; the activation's when only this op read it)
        foreach (var node in graph.Nodes)
            if (Is(node, "DequantizeLinear") && node.Outputs.All(o => readers.GetValueOrDefault(o) == 0 && !outputs.Contains(o))) removed.Add(node);
        graph.Nodes.RemoveAll(removed.Contains);
        BatchNormFolding.DropUnused(graph);
        return fused;
    }

    private static bool Is(Node node, string opType) => node.OpType == opType && node.Domain.Length == 0;

    private static void Release(Dictionary<string, int> readers, IEnumerable<string> names)
    {
        foreach (var name in names) if (name.Length > 0) readers[name] = readers.GetValueOrDefault(name) - 1;
    }

    // scale and zero point: scalar initializers, the zero point 8-bit and present
    private static bool ScalarParams(ModelGraph graph, Node q) =>
        q.Inputs.Count == 3 && Init(graph, q.Inputs[1]) is { Count: 1, DType: DType.Float32 } &&
        Init(graph, q.Inputs[2]) is { Count: 1, DType: DType.Int8 or DType.UInt8 } && q.Attributes.Int("block_size", 0) == 0;

    // weight: 8-bit initializer, per-tensor or per-output-channel scale and zero point
    private static bool WeightParams(ModelGraph graph, Node dw, bool conv, out float[] scale)
    {
        scale = [];
        if (dw.Inputs.Count != 3 || Init(graph, dw.Inputs[0]) is not { DType: DType.Int8 or DType.UInt8 } w) return false;
        if (Init(graph, dw.Inputs[1]) is not { DType: DType.Float32 } s || Init(graph, dw.Inputs[2]) is not { DType: DType.Int8 or DType.UInt8 } z) return false;
        if (s.Count != z.Count || dw.Attributes.Int("block_size", 0) != 0) return false;
        if (!conv && w.Rank != 2) return false;
        if (s.Count > 1)
        {
            long axis = dw.Attributes.Int("axis", 1);
            if (axis < 0) axis += w.Rank;
            if (axis != (conv ? 0 : 1) || s.Count != w.Shape[(int)axis]) return false;
        }
        scale = s.Contiguous().AsSpan<float>().ToArray();
        return true;
    }

    // the int32 bias: DequantizeLinear(int32 initializer) at scale x_s·W_s, or a float initializer quantized here;
    // channels whose bias overflows int32 but whose conv sum is negligible get W_s[j] = y_s / x_s (in wScale) and
    // are listed in dead (their weights are zeroed by ZeroChannels)
    private static string? Bias(ModelGraph graph, Dictionary<string, Node> producers, string name, Node dx, Node qy, Node dw, float[] wScale, List<int> dead)
    {
        if (producers.TryGetValue(name, out var db) && Is(db, "DequantizeLinear") && Init(graph, db.Inputs[0]) is { DType: DType.Int32 })
            return db.Inputs[0];
        if (Init(graph, name) is not { DType: DType.Float32 } b) return null;
        float xs = graph.Initializers[dx.Inputs[1]].Contiguous().AsSpan<float>()[0];
        float ys = graph.Initializers[qy.Inputs[1]].Contiguous().AsSpan<float>()[0];
        var values = b.Contiguous().AsSpan<float>();
        if (wScale.Length != 1 && wScale.Length != values.Length) return null;
        long taps = graph.Initializers[dw.Inputs[0]].Count / wScale.Length; // K of one output channel (per-channel scales)
        var q = new int[values.Length];
        for (int j = 0; j < q.Length; j++)
        {
            double v = Math.Round(values[j] / ((double)xs * wScale[wScale.Length == 1 ? 0 : j]), MidpointRounding.ToEven);
            if (double.IsNaN(v)) return null;
            if (Math.Abs(v) > int.MaxValue)
            {
                if (wScale.Length == 1 || !(taps * 255.0 * 255 * xs * wScale[j] <= 1e-6 * ys)) return null;
                wScale[j] = ys / xs;
                dead.Add(j);
                // beyond ±2^20 steps the output saturates either way; the clamp keeps v·multiplier exact
                v = Math.Clamp(Math.Round(values[j] / ((double)xs * wScale[j]), MidpointRounding.ToEven), -(1 << 20), 1 << 20);
                if (double.IsNaN(v)) return null;
            }
            q[j] = (int)v;
        }
        var fresh = Fresh(graph, name + "_int32");
        graph.Initializers[fresh] = Tensor.Wrap(q, new Shape(q.Length));
        return fresh;
    }

    // copies of the weights with the dead channels set to their zero points, and of the scales (wScale, already
    // holding the dead channels' y_s / x_s)
    private static (string Weights, string Scales) ZeroChannels(ModelGraph graph, Node dw, float[] wScale, List<int> dead)
    {
        var w = graph.Initializers[dw.Inputs[0]].Contiguous();
        var z = graph.Initializers[dw.Inputs[2]].Contiguous();
        int taps = w.Count / wScale.Length;
        Tensor weights;
        if (w.DType == DType.Int8)
        {
            var values = w.AsSpan<sbyte>().ToArray();
            var zp = z.AsSpan<sbyte>();
            foreach (int j in dead) values.AsSpan(j * taps, taps).Fill(zp[j]);
            weights = Tensor.Wrap(values, w.Shape);
        }
        else
        {
            var values = w.AsSpan<byte>().ToArray();
            var zp = z.AsSpan<byte>();
            foreach (int j in dead) values.AsSpan(j * taps, taps).Fill(zp[j]);
            weights = Tensor.Wrap(values, w.Shape);
        }
        var wName = Fresh(graph, dw.Inputs[0] + "_live");
        graph.Initializers[wName] = weights;
        var sName = Fresh(graph, dw.Inputs[1] + "_live");
        graph.Initializers[sName] = Tensor.Wrap((float[])wScale.Clone(), new Shape(wScale.Length));
        return (wName, sName);
    }

    private static string Fresh(ModelGraph graph, string stem)
    {
        var fresh = stem;
        for (int k = 1; graph.Initializers.ContainsKey(fresh); k++) fresh = $"{stem}_{k}";
        return fresh;
    }

    private static Tensor? Init(ModelGraph graph, string name) => name.Length > 0 && graph.Initializers.TryGetValue(name, out var t) ? t : null;
}
