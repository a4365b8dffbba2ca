using Pare.Core;
using Pare.Core.Autograd;
using Pare.Graph.Ops;
using Pare.Graph.Ops.Onnx;

namespace Pare.Graph.Optimization;

/// <summary>Inference-only rewrite of the float islands a QDQ model leaves between its integer ops:
/// <code>
/// x_q ─ DequantizeLinear ─ f₁ … fₙ ─ QuantizeLinear → y_q     ⇒     x_q ─ [moves on bytes] ─ QuantizedLookup(table) → y_q
/// </code>
/// where each fᵢ is an elementwise float op (Relu, Clip, Sigmoid, Tanh, LeakyRelu, HardSigmoid, HardSwish, or
/// Add/Sub/Mul/Div by a constant that is a scalar or varies along one axis) or a data-movement op (MaxPool, Flatten,
/// Reshape, Transpose, Squeeze, Unsqueeze, Identity). With per-tensor x and y parameters the chain is a function of
/// each byte (and of its channel when a constant varies along an axis), so it is tabulated once, 256 entries per
/// channel, by running the chain's own kernels on the 256 byte values: the result is what the float chain computes,
/// bit for bit. Data-movement ops run on the bytes instead, which is exact because they only permute values — and
/// MaxPool, which selects them, commutes with the tabulated function when that function is non-decreasing up to the
/// pool (dequantization with a positive scale, Relu, Clip, …; a per-channel constant must not vary along a pooled axis).
/// A table that maps every byte to itself is dropped. Applies when every value in the chain has exactly one reader and
/// none is a graph output. ONNX Runtime's QDQ transformer drops such Q/DQ pairs only when the scales match; tabulating
/// keeps the QDQ model's exact semantics. Runs after <see cref="QdqFusion"/> and constant folding.</summary>
internal static class QdqChainFusion
{
    private static readonly HashSet<string> Monotone = new(StringComparer.Ordinal) { "Relu", "Clip", "Sigmoid", "Tanh", "HardSigmoid" };
    private static readonly HashSet<string> Unary = new(StringComparer.Ordinal) { "Relu", "Clip", "Sigmoid", "Tanh", "HardSigmoid", "HardSwish", "LeakyRelu" };
    private static readonly HashSet<string> Moves = new(StringComparer.Ordinal) { "Flatten", "Reshape", "Transpose", "Squeeze", "Unsqueeze", "Identity" };

    public static int Run(Model model)
    {
        var graph = model.Graph;
        int fused = 0;
        for (int i = 0; i < graph.Nodes.Count; i++)
        {
            var dq = graph.Nodes[i];
            if (!Is(dq, "DequantizeLinear")) continue;
            if ((Chain(graph, dq) ?? Region(graph, dq)) is not { } chain)
            {
                if (FloatRegion(graph, dq) is not { } region || TabulateFloat(model, dq, region) is not { } floats) continue;
                RewriteFloat(graph, dq, region, floats);
                fused++;
                i = -1;
                continue;
            }
            var table = Tabulate(model, dq, chain);
            if (table is null) continue;
            Rewrite(graph, dq, chain, table.Value.Table, table.Value.AxisFromEnd);
            fused++;
            i = -1; // the node list changed; start over (chains are short and few)
        }
        return fused;
    }

    // the nodes after dq up to and including the QuantizeLinear, when the chain qualifies
    private sealed record ChainInfo(List<Node> Functions, List<Node> Movements, Node Quantize, int AxisFromEnd, int Channels);

    private static ChainInfo? Chain(ModelGraph graph, Node dq)
    {
        if (!ScalarParams(graph, dq) || graph.Initializers.ContainsKey(dq.Inputs[0])) return null;
        if (graph.Initializers[dq.Inputs[1]].Contiguous().AsSpan<float>()[0] is not (> 0 and < float.PositiveInfinity)) return null;
        var outputs = graph.Outputs.Select(o => o.Name).ToHashSet(StringComparer.Ordinal);
        var functions = new List<Node>();
        var movements = new List<Node>();
        bool monotone = true, layoutMoved = false;
        int axisFromEnd = 0, channels = 1;
        var v = dq.Outputs[0];
        while (true)
        {
            if (outputs.Contains(v) || Readers(graph, v) is not [var r] || r.Domain.Length != 0 || r.Inputs.Count == 0 || r.Inputs[0] != v && r.OpType is not ("Add" or "Mul" or "Sub" or "Div")) return null;
            if (r.Outputs.Count < 1 || r.Outputs.Skip(1).Any(o => o.Length > 0)) return null;
            if (r.OpType == "QuantizeLinear")
            {
                if (!ScalarParams(graph, r)) return null;
                return new ChainInfo(functions, movements, r, axisFromEnd, channels);
            }
            if (r.Inputs.Skip(1).Any(n => n == v)) return null;
            if (Unary.Contains(r.OpType))
            {
                if (r.Inputs.Skip(1).Any(n => n.Length > 0 && !graph.Initializers.ContainsKey(n))) return null;
                monotone &= Monotone.Contains(r.OpType) || r.OpType == "LeakyRelu" && r.Attributes.Float("alpha", 0.01f) >= 0;
                functions.Add(r);
            }
            else if (r.OpType is "Add" or "Sub" or "Mul" or "Div")
            {
                if (r.Inputs.Count != 2) return null;
                bool first = r.Inputs[0] == v;
                var other = first ? r.Inputs[1] : r.Inputs[0];
                if (!graph.Initializers.TryGetValue(other, out var k) || k.DType != DType.Float32) return null;
                if (!first && r.OpType is "Sub" or "Div") monotone = false;
                if (r.OpType is "Mul" or "Div")
                {
                    var values = k.Contiguous().AsSpan<float>();
                    foreach (var x in values) if (!(x > 0)) { monotone = false; break; }
                }
                if (k.Count > 1)
                {
                    var dims = k.Shape.Dims.ToArray();
                    int varying = Array.FindIndex(dims, d => d != 1);
                    if (Array.FindLastIndex(dims, d => d != 1) != varying) return null;
                    int fromEnd = dims.Length - varying;
                    if (axisFromEnd != 0 && (axisFromEnd != fromEnd || channels != dims[varying])) return null;
                    (axisFromEnd, channels) = (fromEnd, dims[varying]);
                }
                functions.Add(r);
            }
            else if (r.OpType == "MaxPool")
            {
                int spatial = r.Attributes.Ints("kernel_shape")?.Length ?? 0;
                if (!monotone || spatial == 0 || axisFromEnd != 0 && axisFromEnd <= spatial) return null;
                movements.Add(r);
            }
            else if (Moves.Contains(r.OpType))
            {
                if (r.Inputs.Skip(1).Any(n => n.Length > 0 && !graph.Initializers.ContainsKey(n))) return null;
                if (r.OpType != "Identity") layoutMoved = true;
                if (axisFromEnd != 0 && r.OpType != "Identity") return null; // a moved layout would misplace the channel axis
                movements.Add(r);
            }
            else return null;
            if (layoutMoved && axisFromEnd != 0) return null;
            v = r.Outputs[0];
        }
    }

    // an elementwise region with forks (hard swish's y·clip(y + 3, 0, 6)/6): every node reads only region values and
    // constants, every region value is read only inside the region, and one QuantizeLinear reads the region's result
    private static ChainInfo? Region(ModelGraph graph, Node dq)
    {
        if (!ScalarParams(graph, dq) || graph.Initializers.ContainsKey(dq.Inputs[0])) return null;
        var outputs = graph.Outputs.Select(o => o.Name).ToHashSet(StringComparer.Ordinal);
        var values = new HashSet<string>(StringComparer.Ordinal) { dq.Outputs[0] };
        var members = new HashSet<Node>();
        var pending = new Queue<string>([dq.Outputs[0]]);
        Node? quantize = null;
        int axisFromEnd = 0, channels = 1;
        while (pending.TryDequeue(out var v))
        {
            if (outputs.Contains(v)) return null;
            var readers = Readers(graph, v);
            if (readers.Count == 0) return null;
            foreach (var r in readers)
            {
                if (members.Contains(r)) continue;
                if (Is(r, "QuantizeLinear"))
                {
                    if (readers.Count != 1 || r.Inputs[0] != v || quantize is not null || !ScalarParams(graph, r)) return null;
                    quantize = r;
                    continue;
                }
                if (r.Domain.Length != 0 || r.Outputs.Count < 1 || r.Outputs.Skip(1).Any(o => o.Length > 0)) return null;
                if (!Unary.Contains(r.OpType) && r.OpType is not ("Add" or "Sub" or "Mul" or "Div")) return null;
                members.Add(r);
                values.Add(r.Outputs[0]);
                pending.Enqueue(r.Outputs[0]);
            }
        }
        if (quantize is null || members.Count == 0) return null;
        foreach (var r in members)
            foreach (var input in r.Inputs)
            {
                if (input.Length == 0 || values.Contains(input)) continue;
                if (!graph.Initializers.TryGetValue(input, out var k)) return null;
                if (Unary.Contains(r.OpType) || k.Count == 1) continue;
                if (k.DType != DType.Float32) return null;
                var dims = k.Shape.Dims.ToArray();
                int varying = Array.FindIndex(dims, d => d != 1);
                if (Array.FindLastIndex(dims, d => d != 1) != varying) return null;
                int fromEnd = dims.Length - varying;
                if (axisFromEnd != 0 && (axisFromEnd != fromEnd || channels != dims[varying])) return null;
                (axisFromEnd, channels) = (fromEnd, dims[varying]);
            }
        // graph order is a topological order of the region
        var ordered = graph.Nodes.Where(members.Contains).ToList();
        return new ChainInfo(ordered, [], quantize, axisFromEnd, channels);
    }

    // an elementwise region after dq whose result is read as float (hard swish feeding a squeeze-excite block: its
    // GlobalAveragePool and the Mul by the excitation): per-tensor constants only; every region value but the one
    // exit is read only inside the region. Values read by anything else become exits; one exit must remain.
    private sealed record FloatRegionInfo(List<Node> Members, string Exit);

    private static FloatRegionInfo? FloatRegion(ModelGraph graph, Node dq)
    {
        if (!ScalarParams(graph, dq) || graph.Initializers.ContainsKey(dq.Inputs[0])) return null;
        var outputs = graph.Outputs.Select(o => o.Name).ToHashSet(StringComparer.Ordinal);
        var forcedExits = new HashSet<string>(StringComparer.Ordinal);
        for (int attempt = 0; attempt < 8; attempt++)
        {
            var values = new HashSet<string>(StringComparer.Ordinal) { dq.Outputs[0] };
            var members = new HashSet<Node>();
            var exits = new HashSet<string>(StringComparer.Ordinal);
            var pending = new Queue<string>([dq.Outputs[0]]);
            while (pending.TryDequeue(out var v))
            {
                var readers = Readers(graph, v);
                bool eligible = !outputs.Contains(v) && !forcedExits.Contains(v) && readers.Count > 0 && readers.All(r =>
                    r.Domain.Length == 0 && r.Outputs.Count == 1 && (Unary.Contains(r.OpType) || r.OpType is "Add" or "Sub" or "Mul" or "Div"));
                if (!eligible)
                {
                    exits.Add(v);
                    continue;
                }
                foreach (var r in readers)
                {
                    if (!members.Add(r)) continue;
                    values.Add(r.Outputs[0]);
                    pending.Enqueue(r.Outputs[0]);
                }
            }
            // members reading a value from outside the region (other than per-tensor constants) leave it, and the
            // region values they read become exits
            var outside = members.Where(r => r.Inputs.Any(n => n.Length > 0 && !values.Contains(n) &&
                !(graph.Initializers.TryGetValue(n, out var k) && (k.Count == 1 || Unary.Contains(r.OpType) && r.Inputs.IndexOf(n) > 0) && k.DType == DType.Float32))).ToList();
            if (outside.Count == 0)
            {
                if (exits.Count != 1 || exits.Contains(dq.Outputs[0]) || members.Count < 2) return null;
                return new FloatRegionInfo(graph.Nodes.Where(members.Contains).ToList(), exits.First());
            }
            foreach (var r in outside)
                foreach (var n in r.Inputs)
                    if (values.Contains(n)) forcedExits.Add(n);
        }
        return null;
    }

    // the exit value for the 256 byte values: DequantizeLinear and the region's nodes run by their own kernels
    private static Tensor? TabulateFloat(Model model, Node dq, FloatRegionInfo region)
    {
        var inType = model.Graph.Initializers[dq.Inputs[2]].DType;
        Tensor x = inType == DType.UInt8
            ? Tensor.Wrap(Enumerable.Range(0, 256).Select(b => (byte)b).ToArray(), new Shape(256))
            : Tensor.Wrap(Enumerable.Range(0, 256).Select(b => unchecked((sbyte)b)).ToArray(), new Shape(256));
        using var _ = Tape.NoGrad();
        try
        {
            var known = new Dictionary<string, Tensor>(StringComparer.Ordinal);
            known[dq.Outputs[0]] = Evaluate(model, dq, known, x);
            foreach (var f in region.Members) known[f.Outputs[0]] = Evaluate(model, f, known, null);
            var result = known[region.Exit];
            if (result.Count != 256 || result.DType != DType.Float32) return null;
            return Tensor.Wrap(result.Contiguous().AsSpan<float>().ToArray(), new Shape(1, 256));
        }
        catch (Exception e) when (e is PareException or ArgumentException or InvalidOperationException or KeyNotFoundException)
        {
            return null;
        }
    }

    private static void RewriteFloat(ModelGraph graph, Node dq, FloatRegionInfo region, Tensor table)
    {
        var tableName = Fresh(graph, region.Exit + "_table");
        graph.Initializers[tableName] = table;
        var lookup = new Node(dq.Name + "_lookup", "QuantizedLookup", [dq.Inputs[0], tableName], [region.Exit], QuantizedLookup.Domain);
        int at = graph.Nodes.IndexOf(dq);
        var removed = new HashSet<Node>(region.Members.Append(dq));
        graph.Nodes.Insert(at + 1, lookup);
        graph.Nodes.RemoveAll(removed.Contains);
        BatchNormFolding.DropUnused(graph);
    }

    // runs DequantizeLinear, the chain's functions and the QuantizeLinear on the 256 byte values (per channel)
    private static (Tensor Table, int AxisFromEnd)? Tabulate(Model model, Node dq, ChainInfo chain)
    {
        var graph = model.Graph;
        var inType = graph.Initializers[dq.Inputs[2]].DType;
        int channels = chain.Channels;
        // shape (256, C, 1, …, 1): a constant of shape (C, 1, …) or (…, C, 1, …) broadcasts along C
        var dims = new List<int> { 256 };
        if (chain.AxisFromEnd > 0)
        {
            dims.Add(channels);
            for (int d = 1; d < chain.AxisFromEnd; d++) dims.Add(1);
        }
        int count = 256 * channels;
        Tensor x;
        if (inType == DType.UInt8)
        {
            var b = new byte[count];
            for (int i = 0; i < count; i++) b[i] = (byte)(i / channels);
            x = Tensor.Wrap(b, new Shape([.. dims]));
        }
        else
        {
            var s = new sbyte[count];
            for (int i = 0; i < count; i++) s[i] = unchecked((sbyte)(i / channels));
            x = Tensor.Wrap(s, new Shape([.. dims]));
        }
        using var _ = Tape.NoGrad();
        try
        {
            var known = new Dictionary<string, Tensor>(StringComparer.Ordinal);
            known[dq.Outputs[0]] = Evaluate(model, dq, known, x);
            // in graph order; a data-movement op passes its input on (the table is a function of each value alone)
            var moves = chain.Movements.ToHashSet();
            foreach (var f in graph.Nodes.Where(n => moves.Contains(n) || chain.Functions.Contains(n)))
                known[f.Outputs[0]] = moves.Contains(f) ? known[f.Inputs[0]] : Evaluate(model, f, known, null);
            x = Evaluate(model, chain.Quantize, known, null);
        }
        catch (Exception e) when (e is PareException or ArgumentException or InvalidOperationException or KeyNotFoundException)
        {
            return null; // left to the executor, which reports it with the node's name
        }
        if (x.Count != count || x.DType is not (DType.Int8 or DType.UInt8)) return null;
        // (256, C) → (C, 256)
        var values = x.DType == DType.UInt8 ? x.Contiguous().AsSpan<byte>().ToArray() : System.Runtime.InteropServices.MemoryMarshal.AsBytes(x.Contiguous().AsSpan<sbyte>()).ToArray();
        var table = new byte[count];
        for (int b = 0; b < 256; b++)
            for (int c = 0; c < channels; c++) table[c * 256 + b] = values[b * channels + c];
        var shape = new Shape(channels, 256);
        Tensor result = x.DType == DType.UInt8 ? Tensor.Wrap(table, shape) : Tensor.Wrap(Array.ConvertAll(table, t => unchecked((sbyte)t)), shape);
        return (result, chain.AxisFromEnd == 0 ? 1 : chain.AxisFromEnd);
    }

    // a node on tabulation inputs: region values by name, initializers, and `first` for the chain's start
    private static Tensor Evaluate(Model model, Node node, Dictionary<string, Tensor> values, Tensor? first)
    {
        var kernel = OpRegistry.Find(node.Domain, node.OpType) ?? throw new InvalidOperationException($"no kernel for {node.OpType}");
        var inputs = node.Inputs.Select(n => n.Length == 0 ? null : values.GetValueOrDefault(n) ?? model.Graph.Initializers.GetValueOrDefault(n)).ToArray();
        if (first is not null) inputs[0] = first;
        if (inputs.Select((t, k) => t is null && node.Inputs[k].Length > 0).Any(missing => missing))
            throw new InvalidOperationException($"{node.OpType} reads a value outside the chain");
        return kernel.Run(new OpContext(node, model.OpsetOf(node.Domain), inputs, false,
            (_, _) => throw new InvalidOperationException("no subgraphs in a quantized chain")))[0]
            ?? throw new InvalidOperationException($"{node.OpType} gave no output");
    }

    private static void Rewrite(ModelGraph graph, Node dq, ChainInfo chain, Tensor table, int axisFromEnd)
    {
        var q = chain.Quantize;
        string current = dq.Inputs[0];
        var added = new List<Node>();
        foreach (var move in chain.Movements)
        {
            var output = Fresh(graph, move.Outputs[0] + "_q8");
            var inputs = move.Inputs.ToList();
            inputs[0] = current;
            var copy = new Node(move.Name, move.OpType, inputs, [output], move.Domain);
            foreach (var (name, value) in move.Attributes) copy.Attributes.Set(name, value);
            added.Add(copy);
            current = output;
        }
        bool identity = table.Shape[0] == 1 && table.DType == graph.Initializers[dq.Inputs[2]].DType && IsIdentity(table);
        if (identity && added.Count > 0) added[^1].Outputs[0] = q.Outputs[0];
        else if (identity) added.Add(new Node(q.Name + "_identity", "Identity", [current], [q.Outputs[0]]));
        else
        {
            var tableName = Fresh(graph, q.Outputs[0] + "_table");
            graph.Initializers[tableName] = table;
            var lookup = new Node(q.Name + "_lookup", "QuantizedLookup", [current, tableName], [q.Outputs[0]], QuantizedLookup.Domain);
            lookup.Attributes.Set("axis_from_end", AttributeValue.Of((long)axisFromEnd));
            added.Add(lookup);
        }
        int at = graph.Nodes.IndexOf(q);
        graph.Nodes.InsertRange(at + 1, added);
        var removed = new HashSet<Node>(chain.Functions.Concat(chain.Movements).Append(dq).Append(q));
        graph.Nodes.RemoveAll(removed.Contains);
        BatchNormFolding.DropUnused(graph);
    }

    private static bool IsIdentity(Tensor table)
    {
        var bytes = table.DType == DType.UInt8 ? table.Contiguous().AsSpan<byte>() : System.Runtime.InteropServices.MemoryMarshal.AsBytes(table.Contiguous().AsSpan<sbyte>());
        for (int b = 0; b < 256; b++) if (bytes[b] != b) return false;
        return true;
    }

    private static string Fresh(ModelGraph graph, string stem)
    {
        var names = graph.Nodes.SelectMany(n => n.Outputs).Concat(graph.Initializers.Keys).ToHashSet(StringComparer.Ordinal);
        var fresh = stem;
        for (int k = 1; names.Contains(fresh); k++) fresh = $"{stem}_{k}";
        return fresh;
    }

    private static List<Node> Readers(ModelGraph graph, string value) => graph.Nodes.Where(n => n.Inputs.Contains(value)).ToList();

    private static bool Is(Node node, string opType) => node.OpType == opType && node.Domain.Length == 0;

    // scale and zero point: scalar initializers, the zero point 8-bit and present
    private static bool ScalarParams(ModelGraph graph, Node q) =>
        q.Inputs.Count == 3 && Init(graph, q.Inputs[1]) is { Count: 1, DType: DType.Float32 } &&
        Init(graph, q.Inputs[2]) is { Count: 1, DType: DType.Int8 or DType.UInt8 } && q.Attributes.Int("block_size", 0) == 0;

    private static Tensor? Init(ModelGraph graph, string name) => name.Length > 0 && graph.Initializers.TryGetValue(name, out var t) ? t : null;
}
