using Pare.Core;
using Pare.Graph.Execution;

namespace Pare.Graph.Analysis;

/// <summary>Shape inference and cost per node, by running the model once.
/// <para>Why run instead of propagating shapes symbolically: real exports compute shapes from data (PaddleOCR's
/// Shape → Gather → Concat → Reshape chains, silero's If on the sample rate, Resize from computed sizes), so a
/// symbolic pass would need a second, partial implementation of every op and would still give up on such chains.
/// Running the graph on zero-filled inputs with every symbolic dimension bound (by the caller, default 1) gives the
/// exact shapes for that binding through the same kernels that run the model, at the price of one inference.
/// Callers who need a data-dependent branch taken (If on an input value) pass real inputs instead.</para></summary>
public static class ModelAnalyzer
{
    /// <summary>Largest input (in elements) built from a dimension binding, so a typo such as <c>--dim N=1e9</c>
    /// fails with a message instead of exhausting memory.</summary>
    public const long MaxInputElements = 1L << 28;

    /// <summary>Runs <paramref name="model"/> once and measures every node. Inputs are <paramref name="inputs"/> when
    /// given (in the order of the model's inputs), else zeros shaped by the declarations with symbolic dimensions
    /// taken from <paramref name="dims"/> (a missing or unnamed dimension is 1).</summary>
    public static ModelCost Analyze(Model model, IReadOnlyDictionary<string, long>? dims = null, IReadOnlyList<Tensor>? inputs = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        inputs ??= ZeroInputs(model.Graph, dims ?? new Dictionary<string, long>());
        InputCheck.Validate(model.Graph, inputs);

        var weights = WeightCatalog.Of(model.Graph);
        var owners = SubgraphOwners(model.Graph);
        var records = new Dictionary<Node, Record>();
        var order = new List<Node>();
        var mainSizes = new Dictionary<string, long>(StringComparer.Ordinal);
        var runner = new GraphRunner(model, training: false)
        {
            Observer = (graph, node, nodeInputs, nodeOutputs) =>
            {
                if (!records.TryGetValue(node, out var record))
                {
                    records[node] = record = new Record(owners.GetValueOrDefault(graph, ""));
                    order.Add(node);
                }
                var (macs, flops) = OpCost.Of(node, nodeInputs, nodeOutputs);
                record.Macs += macs;
                record.Flops += flops;
                record.Inputs = [.. node.Inputs];
                record.Outputs = Shapes(node.Outputs, nodeOutputs);
                record.ActivationBytes = 0;
                for (var o = 0; o < node.Outputs.Count && o < nodeOutputs.Length; o++)
                {
                    if (node.Outputs[o].Length == 0 || nodeOutputs[o] is not { } t || weights.Contains(node.Outputs[o])) continue;
                    record.ActivationBytes += Bytes(t);
                    if (ReferenceEquals(graph, model.Graph)) mainSizes[node.Outputs[o]] = Bytes(t);
                }
            },
        };
        var plan = runner.Prepare();
        Tensor[] outputs;
        using (Pare.Core.Autograd.Tape.NoGrad()) outputs = runner.Run(inputs);

        var nodes = order.Select(node =>
        {
            var r = records[node];
            var read = r.Inputs.Where(n => n.Length > 0).Distinct(StringComparer.Ordinal).Select(weights.Find).OfType<Tensor>().ToList();
            return new NodeCost(r.Prefix + node.Name, node.QualifiedOpType, r.Outputs,
                read.Sum(t => (long)t.Shape.ElementCount), read.Sum(Bytes), r.Macs, r.Flops, r.ActivationBytes);
        }).ToList();
        return new ModelCost
        {
            Inputs = Shapes(model.Graph.Inputs.Select(i => i.Name).ToList(), inputs),
            Outputs = Shapes(model.Graph.Outputs.Select(o => o.Name).ToList(), outputs),
            Nodes = nodes,
            Parameters = weights.All.Sum(t => (long)t.Shape.ElementCount),
            WeightBytes = weights.All.Sum(Bytes),
            PeakActivationBytes = PeakActivation(model.Graph, plan, inputs, mainSizes, weights),
        };
    }

    /// <summary>Zero tensors for the graph's inputs; symbolic dimensions from <paramref name="dims"/>, default 1.</summary>
    public static IReadOnlyList<Tensor> ZeroInputs(ModelGraph graph, IReadOnlyDictionary<string, long> dims)
    {
        ArgumentNullException.ThrowIfNull(graph);
        ArgumentNullException.ThrowIfNull(dims);
        var result = new List<Tensor>();
        foreach (var input in graph.Inputs)
        {
            var dtype = input.ElementType.Require($"input '{input.Name}'");
            if (input.Shape is null)
                throw new GraphException($"input '{input.Name}' declares no shape (not even its rank); pass input files instead");
            var sizes = new int[input.Shape.Count];
            long count = 1;
            for (var d = 0; d < sizes.Length; d++)
            {
                var dim = input.Shape[d];
                var size = dim.Value ?? (dim.Param is { Length: > 0 } p && dims.TryGetValue(p, out var bound) ? bound : 1);
                if (size < 0 || (count *= Math.Max(size, 1)) > MaxInputElements)
                    throw new GraphException($"input '{input.Name}' {input.ShapeText}: dimension {d} = {size} gives more than {MaxInputElements} elements or is negative");
                sizes[d] = (int)size;
            }
            result.Add(Tensor.Zeros(new Shape(sizes), dtype));
        }
        return result;
    }

    private static long PeakActivation(ModelGraph graph, GraphPlan plan, IReadOnlyList<Tensor> inputs,
        Dictionary<string, long> sizes, WeightCatalog weights)
    {
        var live = new Dictionary<string, long>(StringComparer.Ordinal);
        for (var i = 0; i < graph.Inputs.Count; i++) live[graph.Inputs[i].Name] = Bytes(inputs[i]);
        long current = live.Values.Sum(), peak = current;
        for (var n = 0; n < graph.Nodes.Count; n++)
        {
            // a node's outputs are allocated while its inputs are still alive; releases follow the executor's plan
            foreach (var output in graph.Nodes[n].Outputs)
                if (output.Length > 0 && !weights.Contains(output) && sizes.TryGetValue(output, out var bytes) && live.TryAdd(output, bytes))
                    current += bytes;
            peak = Math.Max(peak, current);
            foreach (var name in plan.ReleaseAfter[n])
                if (live.Remove(name, out var bytes)) current -= bytes;
        }
        return peak;
    }

    private static Dictionary<ModelGraph, string> SubgraphOwners(ModelGraph root)
    {
        var owners = new Dictionary<ModelGraph, string>(ReferenceEqualityComparer.Instance);
        var stack = new Stack<(ModelGraph Graph, string Prefix)>();
        stack.Push((root, ""));
        while (stack.Count > 0)
        {
            var (graph, prefix) = stack.Pop();
            foreach (var node in graph.Nodes)
                foreach (var (name, attribute) in node.Attributes)
                {
                    var subs = attribute.G is { } g ? [g] : attribute.Graphs;
                    foreach (var sub in subs)
                    {
                        var subPrefix = $"{prefix}{node.Name}/{name}/";
                        owners[sub] = subPrefix;
                        stack.Push((sub, subPrefix));
                    }
                }
        }
        return owners;
    }

    private static List<ValueShape> Shapes(List<string> names, IReadOnlyList<Tensor?> values)
    {
        var result = new List<ValueShape>();
        for (var i = 0; i < names.Count && i < values.Count; i++)
            if (names[i].Length > 0 && values[i] is { } t)
                result.Add(new ValueShape(names[i], ElementTypes.FromDType(t.DType), t.Shape.Dims.ToArray()));
        return result;
    }

    private static long Bytes(Tensor t) => (long)t.Shape.ElementCount * t.DType.SizeOf();

    private sealed class Record(string prefix)
    {
        public string Prefix { get; } = prefix;
        public long Macs { get; set; }
        public long Flops { get; set; }
        public long ActivationBytes { get; set; }
        public List<string> Inputs { get; set; } = [];
        public List<ValueShape> Outputs { get; set; } = [];
    }
}
