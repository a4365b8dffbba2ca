using Pare.Core;

namespace Pare.Graph.Execution;

/// <summary>The inference executor: validates the model once, then runs it with the autograd tape off, releasing
/// each intermediate value after its last reader.</summary>
public sealed class InferenceSession
{
    private readonly GraphRunner _runner;

    /// <summary>Prepares <paramref name="model"/>; fails naming the node on unsupported ops, cycles or dangling
    /// inputs. With <paramref name="optimize"/> the session runs a rewritten copy (constants and batch norms
    /// folded); <paramref name="model"/> itself is never changed.</summary>
    public InferenceSession(Model model, bool optimize = true) : this(model, optimize, reuseBuffers: true)
    {
    }

    /// <summary>As <see cref="InferenceSession(Model, bool)"/>; with <paramref name="reuseBuffers"/> the arrays of
    /// intermediate values are recycled from run to run (and within a run) once their last reader has run, instead
    /// of being left to the garbage collector. Outputs handed to the caller are never recycled.</summary>
    public InferenceSession(Model model, bool optimize, bool reuseBuffers)
    {
        ArgumentNullException.ThrowIfNull(model);
        Source = model;
        Model = model.Clone();
        // validate the model as given first, so errors name the user's nodes, not rewritten ones
        new GraphRunner(Model, training: false).Prepare();
        Optimizations = optimize ? Optimization.GraphOptimizer.Run(Model) : new Optimization.OptimizationReport(0, 0);
        BufferPool = reuseBuffers ? new TensorPool() : null;
        _runner = new GraphRunner(Model, training: false, BufferPool);
        _runner.Prepare();
    }

    /// <summary>Arrays of dead intermediate values waiting for the next op or run; null when reuse is off.</summary>
    internal TensorPool? BufferPool { get; }

    /// <summary>The model as given.</summary>
    public Model Source { get; }

    /// <summary>The model actually run (optimized copy).</summary>
    public Model Model { get; }

    /// <summary>What the optimizer rewrote.</summary>
    public Optimization.OptimizationReport Optimizations { get; }

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
