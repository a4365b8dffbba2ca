using System.Diagnostics;
using System.Runtime.CompilerServices;
using Pare.Core;
using Pare.Graph.Ops;

namespace Pare.Graph.Execution;

/// <summary>Runs a model's graphs node by node with the registered kernels. Both executors use it: the inference
/// executor with the tape off, the training executor with it on, so gradients flow through every op built from
/// differentiable Core ops. Subgraphs (If, Loop) run in a child scope that sees the enclosing values.</summary>
internal sealed class GraphRunner
{
    private readonly Model _model;
    private readonly bool _training;
    private readonly TensorPool? _pool;
    private readonly ConditionalWeakTable<ModelGraph, GraphPlan> _plans = new();
    // runs a subgraph in the scope of the node that asks; subgraph values are not given back (the arena is null)
    private readonly Func<ModelGraph, IReadOnlyList<Tensor>, Scope, IReadOnlyList<Tensor>> _runSubgraph;

    /// <summary>A runner of <paramref name="model"/>. With a <paramref name="pool"/> (inference only), op outputs of
    /// the main graph are rented from it and each array goes back once the last value viewing it has been read.</summary>
    public GraphRunner(Model model, bool training, TensorPool? pool = null)
    {
        if (training && pool is not null) throw new ArgumentException("buffer reuse is for inference only: the tape keeps values alive", nameof(pool));
        _model = model;
        _training = training;
        _pool = pool;
        _runSubgraph = (sub, subInputs, scope) => Run(sub, subInputs, scope, null);
    }

    /// <summary>Called after every node runs (in subgraphs too) with the graph, the node, its inputs and its outputs;
    /// cost analysis reads shapes from it. Null on the hot path.</summary>
    public Action<ModelGraph, Node, Tensor?[], Tensor?[]>? Observer { get; init; }

    /// <summary>The plan of the main graph (built and validated now, so a broken model fails at load).</summary>
    public GraphPlan Prepare() => PlanOf(_model.Graph, null);

    /// <summary>Runs the main graph on <paramref name="inputs"/>, given in the order of the graph's inputs.</summary>
    public Tensor[] Run(IReadOnlyList<Tensor> inputs)
    {
        if (_pool is null) return Run(_model.Graph, inputs, null, null);
        // the arena is current on this thread for the whole run, subgraphs included (their values are simply not
        // given back); concurrent runs each have their own arena over the shared, locked pool
        using var arena = new TensorArena(_pool);
        using var scope = TensorMemory.Use(arena);
        var outputs = Run(_model.Graph, inputs, null, arena);
        // the caller owns the outputs (and every value sharing their arrays) from now on
        foreach (var output in outputs) arena.Keep(output);
        return outputs;
    }

    private GraphPlan PlanOf(ModelGraph graph, Scope? outer)
    {
        if (_plans.TryGetValue(graph, out var plan)) return plan;
        // a subgraph may read anything an enclosing scope holds; the scope is checked again at run time
        var outerNames = outer is null ? null : new AnyName();
        plan = new GraphPlan(graph, _model.OpsetOf, outerNames);
        _plans.AddOrUpdate(graph, plan);
        return plan;
    }

    private Tensor[] Run(ModelGraph graph, IReadOnlyList<Tensor> inputs, Scope? outer, TensorArena? arena)
    {
        var plan = PlanOf(graph, outer);
        if (inputs.Count != graph.Inputs.Count)
            throw new GraphException($"graph '{graph.Name}' takes {graph.Inputs.Count} inputs ({string.Join(", ", graph.Inputs.Select(i => i.Name))}), got {inputs.Count}");
        // the scope (slots, per-node input arrays and contexts) of an earlier run, or a new one when a concurrent run
        // holds it; it goes back only after a run that completed, so a failed run never leaves values behind
        var scope = plan.TakeSpare() ?? new Scope(plan, _training, _runSubgraph);
        scope.Parent = outer;
        var values = scope.Values;
        plan.BindOuter(values, outer);
        for (var i = 0; i < inputs.Count; i++) values[plan.InputSlots[i]] = inputs[i];

        var profile = OpProfile.Enabled;
        var nodes = plan.Nodes;
        for (var n = 0; n < nodes.Length; n++)
        {
            var node = nodes[n];
            var inputSlots = plan.NodeInputSlots[n];
            var inputValues = scope.NodeInputs[n];
            for (var i = 0; i < inputSlots.Length; i++)
            {
                var slot = inputSlots[i];
                if (slot < 0) continue;
                inputValues[i] = values[slot] ?? throw GraphException.At(node, $"input '{node.Inputs[i]}' has no value");
            }
            var context = scope.Contexts[n];
            var start = profile ? Stopwatch.GetTimestamp() : 0;
            var outputs = Invoke(plan.Kernels[n], context);
            if (profile) OpProfile.Add(OpProfile.Key(node, inputValues), Stopwatch.GetTimestamp() - start);
            Observer?.Invoke(graph, node, inputValues, outputs);
            Array.Clear(inputValues);
            var outputSlots = plan.NodeOutputSlots[n];
            for (var o = 0; o < outputSlots.Length; o++)
            {
                if (outputSlots[o] < 0) continue;
                var value = o < outputs.Length ? outputs[o] : null;
                if (value is null) throw GraphException.At(node, $"output {o} ('{node.Outputs[o]}') was not produced");
                values[outputSlots[o]] = value;
                arena?.AddReference(value);
            }
            arena?.EndOp();
            foreach (var slot in plan.ReleaseSlots[n])
            {
                if (arena is not null && values[slot] is { } dead) arena.Release(dead);
                values[slot] = null;
            }
        }
        var result = new Tensor[graph.Outputs.Count];
        for (var i = 0; i < result.Length; i++)
            result[i] = values[plan.OutputSlots[i]]
                ?? throw new GraphException($"graph '{graph.Name}': output '{graph.Outputs[i].Name}' has no value");
        plan.GiveBack(scope);
        return result;
    }

    private static Tensor?[] Invoke(OpDefinition kernel, OpContext context)
    {
        try
        {
            return kernel.Run(context);
        }
        catch (PareException)
        {
            throw;
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException or OverflowException
                                      or NotSupportedException or InvalidCastException)
        {
            throw context.Fail(e.Message);
        }
        catch (OutOfMemoryException)
        {
            throw context.Fail("ran out of memory (a tensor is too large)");
        }
    }

    /// <summary>Accepts any name: subgraph reads of enclosing values are resolved at run time.</summary>
    private sealed class AnyName : IReadOnlySet<string>
    {
        public int Count => 0;
        public bool Contains(string item) => true;
        public IEnumerator<string> GetEnumerator() => Enumerable.Empty<string>().GetEnumerator();
        System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => GetEnumerator();
        public bool IsProperSubsetOf(IEnumerable<string> other) => throw new NotSupportedException();
        public bool IsProperSupersetOf(IEnumerable<string> other) => throw new NotSupportedException();
        public bool IsSubsetOf(IEnumerable<string> other) => throw new NotSupportedException();
        public bool IsSupersetOf(IEnumerable<string> other) => throw new NotSupportedException();
        public bool Overlaps(IEnumerable<string> other) => throw new NotSupportedException();
        public bool SetEquals(IEnumerable<string> other) => throw new NotSupportedException();
    }
}
