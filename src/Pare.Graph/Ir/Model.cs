namespace Pare.Graph;

/// <summary>A model: its main graph plus the file-level facts a round trip must keep (opsets, producer, metadata).</summary>
public sealed class Model
{
    /// <summary>A model around <paramref name="graph"/>.</summary>
    public Model(ModelGraph graph) => Graph = graph;

    /// <summary>The main graph.</summary>
    public ModelGraph Graph { get; }

    /// <summary>Opset version per domain ("" is the default ONNX domain).</summary>
    public Dictionary<string, long> Opsets { get; } = new(StringComparer.Ordinal) { [""] = Opset.Default };

    /// <summary>ONNX IR version of the file.</summary>
    public long IrVersion { get; set; } = 8;

    /// <summary>Tool that wrote the file.</summary>
    public string ProducerName { get; set; } = "pare";

    /// <summary>Version of that tool.</summary>
    public string ProducerVersion { get; set; } = "";

    /// <summary>Model domain (reverse-DNS), if any.</summary>
    public string Domain { get; set; } = "";

    /// <summary>Model version.</summary>
    public long ModelVersion { get; set; }

    /// <summary>Free-text documentation.</summary>
    public string DocString { get; set; } = "";

    /// <summary>Key/value metadata.</summary>
    public Dictionary<string, string> Metadata { get; } = new(StringComparer.Ordinal);

    /// <summary>A copy whose graph can be rewritten without touching this model (see <see cref="ModelGraph.Clone"/>).</summary>
    public Model Clone()
    {
        var copy = new Model(Graph.Clone())
        {
            IrVersion = IrVersion, ProducerName = ProducerName, ProducerVersion = ProducerVersion,
            Domain = Domain, ModelVersion = ModelVersion, DocString = DocString,
        };
        copy.Opsets.Clear();
        foreach (var (k, v) in Opsets) copy.Opsets[k] = v;
        foreach (var (k, v) in Metadata) copy.Metadata[k] = v;
        return copy;
    }

    /// <summary>The opset version of <paramref name="domain"/> (the default domain when "" or "ai.onnx").</summary>
    public long OpsetOf(string domain) =>
        Opsets.TryGetValue(domain == "ai.onnx" ? "" : domain, out var v) ? v : 1;
}

/// <summary>Opset versions Pare reads and writes.</summary>
public static class Opset
{
    /// <summary>Default-domain opset Pare writes when it builds a graph itself.</summary>
    public const long Default = 17;

    /// <summary>Newest default-domain opset Pare accepts; newer models are refused by name.</summary>
    public const long MaxSupported = 27;
}
