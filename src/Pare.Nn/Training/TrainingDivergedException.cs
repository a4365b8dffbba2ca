namespace Pare.Nn.Training;

/// <summary>Training produced a NaN or infinite loss; the model's weights are no longer usable. Checkpoints
/// written at earlier epoch ends are untouched.</summary>
public sealed class TrainingDivergedException : Exception
{
    /// <summary>Creates the exception.</summary>
    public TrainingDivergedException() : base("training diverged") { }

    /// <summary>Creates the exception with a message.</summary>
    public TrainingDivergedException(string message) : base(message) { }

    /// <summary>Creates the exception with a message and a cause.</summary>
    public TrainingDivergedException(string message, Exception inner) : base(message, inner) { }

    /// <summary>Creates the exception for a loss of <paramref name="loss"/> at a step.</summary>
    public TrainingDivergedException(int epoch, int batch, float loss)
        : base($"training diverged: loss is {loss} at epoch {epoch}, batch {batch}; lower the learning rate (--lr)")
    {
        Epoch = epoch;
        Batch = batch;
        Loss = loss;
    }

    /// <summary>1-based epoch of the bad step.</summary>
    public int Epoch { get; }

    /// <summary>1-based batch of the bad step.</summary>
    public int Batch { get; }

    /// <summary>The non-finite loss.</summary>
    public float Loss { get; }
}
