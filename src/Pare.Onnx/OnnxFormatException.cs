using Pare.Core;

namespace Pare.Onnx;

/// <summary>An ONNX file is corrupt, hostile or not what it claims: truncated bytes, a tensor whose data does not
/// match its dimensions, an external-data path outside the model's folder. The message names the file and field.</summary>
public sealed class OnnxFormatException : PareException
{
    /// <summary>An error whose message names the file and field at fault.</summary>
    public OnnxFormatException(string message) : base(message) { }

    /// <summary>An error with the exception that caused it.</summary>
    public OnnxFormatException(string message, Exception inner) : base(message, inner) { }
}
