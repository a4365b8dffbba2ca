using Pare.Core;

namespace Pare.Graph.Ops;

/// <summary>What a kernel sees while running one node: the node, its inputs, the opset of its domain, and a way to
/// run subgraphs (If, Loop) in the current scope.</summary>
public sealed class OpContext
{
    private readonly Tensor?[] _inputs;
    private readonly Func<ModelGraph, IReadOnlyList<Tensor>, IReadOnlyList<Tensor>> _runSubgraph;

    internal OpContext(Node node, long opset, IReadOnlyList<Tensor?> inputs, bool training,
        Func<ModelGraph, IReadOnlyList<Tensor>, IReadOnlyList<Tensor>> runSubgraph)
    {
        Node = node;
        Opset = opset;
        // the executor passes its per-node array (refilled before every call), so reads are plain array loads
        _inputs = inputs as Tensor?[] ?? [.. inputs];
        Training = training;
        _runSubgraph = runSubgraph;
    }

    /// <summary>The node being run.</summary>
    public Node Node { get; }

    /// <summary>Opset version of the node's domain in this model.</summary>
    public long Opset { get; }

    /// <summary>True under the training executor (ops record gradients; dropout is active only if asked).</summary>
    public bool Training { get; }

    /// <summary>The node's attributes.</summary>
    public Attributes Attributes => Node.Attributes;

    /// <summary>Number of inputs, including omitted optional ones.</summary>
    public int InputCount => _inputs.Length;

    /// <summary>Number of outputs the node declares.</summary>
    public int OutputCount => Node.Outputs.Count;

    /// <summary>True when output <paramref name="index"/> is declared and named (someone may read it).</summary>
    public bool WantsOutput(int index) => index < Node.Outputs.Count && Node.Outputs[index].Length > 0;

    /// <summary>Required input <paramref name="index"/>; fails naming the node when it is omitted.</summary>
    public Tensor Input(int index) =>
        OptionalInput(index) ?? throw Fail($"required input {index} is missing");

    /// <summary>Input <paramref name="index"/>, or null when omitted or beyond the inputs given.</summary>
    public Tensor? OptionalInput(int index) => (uint)index < (uint)_inputs.Length ? _inputs[index] : null;

    /// <summary>Runs <paramref name="graph"/> (a subgraph of this node) with <paramref name="inputs"/> bound to its
    /// inputs; it may read every value visible to this node.</summary>
    public IReadOnlyList<Tensor> RunSubgraph(ModelGraph graph, IReadOnlyList<Tensor> inputs) => _runSubgraph(graph, inputs);

    /// <summary>A <see cref="GraphException"/> naming this node.</summary>
    public GraphException Fail(string message) => GraphException.At(Node, message);

    /// <summary>An <see cref="UnsupportedOpException"/> naming this node.</summary>
    public UnsupportedOpException Unsupported(string message) => new($"node '{Node.Name}' ({Node.QualifiedOpType}): {message}");
}
