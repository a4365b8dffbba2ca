namespace Pare.Core;

/// <summary>Base of every error Pare raises for bad input: corrupt or hostile files, unsupported models, wrong shapes,
/// impossible budgets. Its message names the file, node or field at fault. Anything else escaping Pare is a bug.</summary>
public class PareException : Exception
{
    /// <summary>An error with a message that names what is at fault.</summary>
    public PareException(string message) : base(message) { }

    /// <summary>An error with a message and the exception that caused it.</summary>
    public PareException(string message, Exception inner) : base(message, inner) { }
}
