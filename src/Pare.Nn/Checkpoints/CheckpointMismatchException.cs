namespace Pare.Nn.Checkpoints;

/// <summary>A checkpoint's tensors do not fit the model or optimizer they are loaded into; the message names
/// the file and every missing, unexpected or mismatched entry.</summary>
public sealed class CheckpointMismatchException : Exception
{
    /// <summary>Creates the exception.</summary>
    public CheckpointMismatchException() : base("checkpoint does not fit the model") { }

    /// <summary>Creates the exception with a message.</summary>
    public CheckpointMismatchException(string message) : base(message) { }

    /// <summary>Creates the exception with a message and a cause.</summary>
    public CheckpointMismatchException(string message, Exception inner) : base(message, inner) { }
}
