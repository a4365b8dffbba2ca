using Pare.Core;

namespace Pare.Graph;

/// <summary>A model graph is invalid or cannot be run: a missing value, a cycle, a bad attribute, an unsupported
/// op. The message names the node (and its op type) or the value at fault.</summary>
public class GraphException : PareException
{
    /// <summary>An error whose message names what is at fault.</summary>
    public GraphException(string message) : base(message) { }

    /// <summary>An error with the exception that caused it.</summary>
    public GraphException(string message, Exception inner) : base(message, inner) { }

    /// <summary>An error raised while handling <paramref name="node"/>; the message is prefixed with its name and op.</summary>
    public static GraphException At(Node node, string message) => new($"node '{node.Name}' ({node.QualifiedOpType}): {message}");
}

/// <summary>The graph uses an op (or an op version, or an element type) Pare does not implement.</summary>
public sealed class UnsupportedOpException(string message) : GraphException(message);
