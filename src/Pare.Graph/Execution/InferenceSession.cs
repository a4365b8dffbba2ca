using Pare.Core;

namespace Pare.Graph.Execution;

/// <summary>The inference executor: validates the model once, then runs it with the autograd tape off, releasing
/// each intermediate value after its last reader.</summary>
public sealed class InferenceSession
{
    private readonly GraphRunner _runner;

    /// <summary>Prepares <paramref name="model"/>; fails naming the node on unsupported ops, cycles or dangling
    /// inputs.</summary>
    public InferenceSession(Model model)
    {
        Model = model;
        _runner = new GraphRunner(model, training: false);
        _runner.Prepare();
    }

    /// <summary>The model being run.</summary>
    public Model Model { get; }

    /// <summary>Declared inputs, in order.</summary>
    public IReadOnlyList<ValueInfo> Inputs => Model.Graph.Inputs;

    /// <summary>Declared outputs, in order.</summary>
    public IReadOnlyList<ValueInfo> Outputs => Model.Graph.Outputs;

    /// <summary>Runs the model on <paramref name="inputs"/> (in the order of <see cref="Inputs"/>); checks each input's
    /// element type and fixed dimensions against its declaration.</summary>
    public Tensor[] Run(IReadOnlyList<Tensor> inputs)
    {
        InputCheck.Validate(Model.Graph, inputs);
        using var _ = Pare.Core.Autograd.Tape.NoGrad();
        return _runner.Run(inputs);
    }
}
