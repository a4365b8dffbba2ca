namespace Pare.Graph.Ops;

/// <summary>Marks a static method <c>Tensor?[] M(OpContext)</c> as the kernel of an ONNX op type. Each
/// (domain, op type) is registered once; the kernel reads <see cref="OpContext.Opset"/> where versions differ.
/// A method may carry several marks when one kernel serves several op types.</summary>
[AttributeUsage(AttributeTargets.Method, AllowMultiple = true)]
public sealed class OnnxOpAttribute(string opType) : Attribute
{
    /// <summary>ONNX op type, e.g. "Conv".</summary>
    public string OpType { get; } = opType;

    /// <summary>Domain: "" for the default ONNX domain, or e.g. "com.microsoft".</summary>
    public string Domain { get; init; } = "";

    /// <summary>Oldest opset version the kernel implements (1 unless the op was introduced later).</summary>
    public int SinceVersion { get; init; } = 1;
}
