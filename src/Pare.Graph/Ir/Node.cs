namespace Pare.Graph;

/// <summary>One operation of a graph: an op type in a domain, named inputs and outputs (an empty name is an omitted
/// optional input or output), and attributes.</summary>
public sealed class Node
{
    /// <summary>A node; <paramref name="name"/> may be empty in the file, the importer then gives it a unique one.</summary>
    public Node(string name, string opType, IEnumerable<string> inputs, IEnumerable<string> outputs, string domain = "")
    {
        Name = name;
        OpType = opType;
        Domain = domain == "ai.onnx" ? "" : domain;
        Inputs = [.. inputs];
        Outputs = [.. outputs];
        Attributes = new Attributes(this);
    }

    /// <summary>Node name, unique within its graph.</summary>
    public string Name { get; set; }

    /// <summary>Op type, e.g. "Conv".</summary>
    public string OpType { get; set; }

    /// <summary>Op domain: "" for the default ONNX domain, or e.g. "com.microsoft".</summary>
    public string Domain { get; set; }

    /// <summary>Op type with its domain when not the default, for messages.</summary>
    public string QualifiedOpType => Domain.Length == 0 ? OpType : $"{Domain}.{OpType}";

    /// <summary>Input value names in order; "" marks an omitted optional input.</summary>
    public List<string> Inputs { get; }

    /// <summary>Output value names in order; "" marks an omitted optional output.</summary>
    public List<string> Outputs { get; }

    /// <summary>Attributes by name.</summary>
    public Attributes Attributes { get; }

    /// <summary>Free-text documentation carried over from the model file.</summary>
    public string DocString { get; set; } = "";

    /// <inheritdoc/>
    public override string ToString() => $"{Name} ({QualifiedOpType})";
}
