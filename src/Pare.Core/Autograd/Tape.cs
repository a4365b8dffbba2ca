namespace Pare.Core.Autograd;

/// <summary>The autograd switch and recorder. Ops call <see cref="Record"/> after their forward; when grad mode is
/// on and an input requires grad, the output gets a <see cref="GradNode"/> and requires grad too.</summary>
public static class Tape
{
    [ThreadStatic] private static int _noGradDepth;

    /// <summary>True unless inside a <see cref="NoGrad"/> scope on this thread.</summary>
    public static bool IsEnabled => _noGradDepth == 0;

    /// <summary>Switches recording off on this thread until the returned scope is disposed (nestable).</summary>
    public static NoGradScope NoGrad()
    {
        _noGradDepth++;
        return new NoGradScope();
    }

    internal static void ExitNoGrad() => _noGradDepth--;

    /// <summary>True when an op on <paramref name="inputs"/> should be recorded.</summary>
    public static bool ShouldRecord(ReadOnlySpan<Tensor> inputs)
    {
        if (_noGradDepth != 0) return false;
        foreach (var t in inputs)
            if (t.RequiresGrad) return true;
        return false;
    }

    /// <summary>Attaches <paramref name="backward"/> to <paramref name="output"/> when any input requires grad
    /// and grad mode is on; returns <paramref name="output"/>.</summary>
    public static Tensor Record(Tensor output, string op, Tensor[] inputs, BackwardFn backward)
    {
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(inputs);
        if (!ShouldRecord(inputs)) return output;
        output.GradFn = new GradNode(op, inputs, backward);
        output.RequiresGrad = true;
        return output;
    }
}

/// <summary>Scope returned by <see cref="Tape.NoGrad"/>; dispose to switch recording back on.</summary>
public readonly struct NoGradScope : IDisposable
{
    /// <summary>Leaves the no-grad scope.</summary>
    public void Dispose() => Tape.ExitNoGrad();
}
