using Pare.Core;
using Pare.Core.Autograd;

namespace Pare.Graph.Execution;

/// <summary>The training executor: runs a model eagerly with the autograd tape on, so an imported ONNX model can be
/// fine-tuned. Float weights become parameters — initializers, and <c>Constant</c> nodes holding weights (as in
/// PaddleOCR's exports), which are turned into initializers of the same name. Statistics and hyper-values that are
/// not weights (batch-norm running mean and variance, clip bounds, resize scales, quantization scales, scalars)
/// stay constant.</summary>
public sealed class TrainingSession
{
    /// <summary>Inputs of these ops that never train, by op type and input index.</summary>
    private static readonly Dictionary<string, int[]> FrozenInputs = new(StringComparer.Ordinal)
    {
        ["BatchNormalization"] = [3, 4],
        ["Clip"] = [1, 2],
        ["Pad"] = [2],
        ["Resize"] = [1, 2],
        ["Upsample"] = [1],
        ["QuantizeLinear"] = [1, 2],
        ["DequantizeLinear"] = [1, 2],
    };

    private readonly GraphRunner _runner;
    private readonly Dictionary<string, Tensor> _parameters = new(StringComparer.Ordinal);

    /// <summary>Prepares <paramref name="model"/> for training (its Constant weights become initializers).</summary>
    public TrainingSession(Model model)
    {
        ArgumentNullException.ThrowIfNull(model);
        Model = model;
        PromoteConstants(model.Graph);
        var frozen = FrozenNames(model.Graph);
        foreach (var (name, tensor) in model.Graph.Initializers)
        {
            if (tensor.DType != DType.Float32 || tensor.Shape.ElementCount < 2 || frozen.Contains(name)) continue;
            tensor.RequiresGrad = true;
            _parameters[name] = tensor;
        }
        _runner = new GraphRunner(model, training: true);
        _runner.Prepare();
    }

    /// <summary>The model being trained; its initializers are the parameters, updated in place.</summary>
    public Model Model { get; }

    /// <summary>Trainable weights by initializer name.</summary>
    public IReadOnlyDictionary<string, Tensor> Parameters => _parameters;

    /// <summary>Runs the model with gradients recorded; call <c>Backward</c> on a loss built from the outputs.</summary>
    public Tensor[] Forward(IReadOnlyList<Tensor> inputs)
    {
        InputCheck.Validate(Model.Graph, inputs);
        if (!Tape.IsEnabled) throw new InvalidOperationException("TrainingSession.Forward was called inside a no-grad scope");
        return _runner.Run(inputs);
    }

    private static void PromoteConstants(ModelGraph graph)
    {
        for (var i = graph.Nodes.Count - 1; i >= 0; i--)
        {
            var node = graph.Nodes[i];
            if (node.OpType != "Constant" || node.Domain.Length != 0 || node.Outputs.Count != 1) continue;
            if (node.Attributes.Tensor("value") is not { DType: DType.Float32 } value || value.Shape.ElementCount < 2) continue;
            if (graph.Initializers.ContainsKey(node.Outputs[0])) continue;
            graph.Initializers[node.Outputs[0]] = value.Clone();
            graph.Nodes.RemoveAt(i);
        }
    }

    private static HashSet<string> FrozenNames(ModelGraph graph)
    {
        var frozen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var node in graph.Nodes)
            if (node.Domain.Length == 0 && FrozenInputs.TryGetValue(node.OpType, out var slots))
                foreach (var slot in slots)
                    if (slot < node.Inputs.Count && node.Inputs[slot].Length > 0) frozen.Add(node.Inputs[slot]);
        return frozen;
    }
}
