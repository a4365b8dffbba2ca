namespace Pare.Core.Autograd;

/// <summary>Computes the gradients of an op's inputs from the gradient of its output. Entry i of the result is
/// the gradient for input i (same shape as that input) or null when that input does not require grad.</summary>
/// <param name="dOut">gradient of the loss with respect to the op's output, same shape as the output</param>
public delegate Tensor?[] BackwardFn(Tensor dOut);

/// <summary>One recorded op on the tape: its inputs and the closure that turns the output's gradient into the
/// inputs' gradients. The closure holds exactly what the forward saved for it.</summary>
public sealed class GradNode
{
    private static long _nextSequence;

    internal GradNode(string op, Tensor[] inputs, BackwardFn backward)
    {
        Op = op;
        Inputs = inputs;
        Backward = backward;
        Sequence = Interlocked.Increment(ref _nextSequence);
    }

    /// <summary>Registry name of the op (as in <see cref="Ops.OpRegistry"/>).</summary>
    public string Op { get; }

    /// <summary>The op's tensor inputs, in the order the backward returns their gradients.</summary>
    public IReadOnlyList<Tensor> Inputs { get; }

    /// <summary>Position on the tape: later ops have larger numbers, so reverse order is a valid
    /// reverse topological order.</summary>
    public long Sequence { get; }

    internal BackwardFn Backward { get; }
}
