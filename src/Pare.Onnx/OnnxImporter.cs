using System.Text;
using Google.Protobuf;
using Pare.Core;
using Pare.Graph;
using Pare.Onnx.Proto;

namespace Pare.Onnx;

/// <summary>ONNX <c>ModelProto</c> → <see cref="Model"/>. Keeps names (so reports speak the user's layer names),
/// gives unnamed nodes unique names, and checks opsets, types and tensor sizes as it goes.</summary>
internal sealed class OnnxImporter
{
    /// <summary>Deepest nesting of subgraphs (If inside Loop inside If ...) accepted.</summary>
    public const int MaxSubgraphDepth = 32;

    private readonly string _file;
    private readonly ExternalData? _external;

    private OnnxImporter(string file, ExternalData? external)
    {
        _file = file;
        _external = external;
    }

    public static Model Import(ModelProto proto, string file, ExternalData? external)
    {
        if (proto.Graph is null) throw new OnnxFormatException($"{file}: the model has no graph");
        var importer = new OnnxImporter(file, external);
        var graph = importer.ImportGraph(proto.Graph, 0);
        var model = new Model(graph)
        {
            IrVersion = proto.IrVersion,
            ProducerName = proto.ProducerName,
            ProducerVersion = proto.ProducerVersion,
            Domain = proto.Domain,
            ModelVersion = proto.ModelVersion,
            DocString = proto.DocString,
        };
        model.Opsets.Clear();
        foreach (var opset in proto.OpsetImport)
        {
            var domain = opset.Domain == "ai.onnx" ? "" : opset.Domain;
            model.Opsets[domain] = opset.Version;
        }
        if (!model.Opsets.ContainsKey("")) model.Opsets[""] = 1;
        if (model.Opsets[""] > Opset.MaxSupported)
            throw new UnsupportedOpException($"{file}: opset {model.Opsets[""]} of the default domain is newer than Pare supports ({Opset.MaxSupported})");
        foreach (var entry in proto.MetadataProps) model.Metadata[entry.Key] = entry.Value;
        return model;
    }

    private ModelGraph ImportGraph(GraphProto proto, int depth)
    {
        if (depth > MaxSubgraphDepth)
            throw new OnnxFormatException($"{_file}: subgraphs are nested more than {MaxSubgraphDepth} deep (graph '{proto.Name}')");
        var graph = new ModelGraph { Name = proto.Name, DocString = proto.DocString };
        foreach (var tensor in proto.Initializer)
        {
            if (tensor.Name.Length == 0) throw new OnnxFormatException($"{_file}: graph '{proto.Name}' has an initializer without a name");
            if (!graph.Initializers.TryAdd(tensor.Name, TensorCodec.FromProto(tensor, $"{_file}: initializer '{tensor.Name}'", _external)))
                throw new OnnxFormatException($"{_file}: initializer '{tensor.Name}' is defined twice");
        }
        if (proto.SparseInitializer.Count > 0)
            throw new UnsupportedOpException($"{_file}: graph '{proto.Name}' has sparse initializers, which Pare does not support");
        foreach (var input in proto.Input)
            if (!graph.Initializers.ContainsKey(input.Name)) graph.Inputs.Add(ImportValue(input, "input"));
        foreach (var output in proto.Output) graph.Outputs.Add(ImportValue(output, "output"));
        foreach (var info in proto.ValueInfo)
            if (info.Name.Length > 0) graph.ValueInfos[info.Name] = ImportValue(info, "value_info");

        var names = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < proto.Node.Count; i++)
        {
            var n = proto.Node[i];
            var name = n.Name.Length > 0 && !names.Contains(n.Name) ? n.Name : UniqueName(names, $"{n.OpType}_{i}");
            names.Add(name);
            var node = new Node(name, n.OpType, n.Input, n.Output, n.Domain) { DocString = n.DocString };
            foreach (var a in n.Attribute) node.Attributes.Set(a.Name, ImportAttribute(a, node, depth));
            graph.Nodes.Add(node);
        }
        return graph;
    }

    private static string UniqueName(HashSet<string> taken, string stem)
    {
        var name = stem;
        for (var k = 1; taken.Contains(name); k++) name = $"{stem}_{k}";
        return name;
    }

    private ValueInfo ImportValue(ValueInfoProto proto, string role)
    {
        if (proto.Name.Length == 0) throw new OnnxFormatException($"{_file}: a graph {role} has no name");
        var tensorType = proto.Type?.TensorType;
        if (proto.Type is not null && proto.Type.ValueCase != TypeProto.ValueOneofCase.TensorType && proto.Type.ValueCase != TypeProto.ValueOneofCase.None)
            throw new UnsupportedOpException($"{_file}: {role} '{proto.Name}' is a {proto.Type.ValueCase}, Pare supports tensors only");
        List<Dim>? shape = null;
        if (tensorType?.Shape is { } s)
        {
            shape = [];
            foreach (var d in s.Dim)
                shape.Add(d.ValueCase switch
                {
                    TensorShapeProto.Types.Dimension.ValueOneofCase.DimValue => Dim.Of(d.DimValue),
                    TensorShapeProto.Types.Dimension.ValueOneofCase.DimParam => Dim.Symbol(d.DimParam),
                    _ => Dim.Unknown,
                });
        }
        return new ValueInfo(proto.Name, (ElementType)(tensorType?.ElemType ?? 0), shape) { DocString = proto.DocString };
    }

    private AttributeValue ImportAttribute(AttributeProto a, Node node, int depth)
    {
        string Where() => $"{_file}: node '{node.Name}' ({node.QualifiedOpType}) attribute '{a.Name}'";
        if (a.RefAttrName.Length > 0) throw new UnsupportedOpException($"{Where()}: refers to a function attribute, which Pare does not support");
        var kind = (AttributeKind)a.Type;
        if (kind == AttributeKind.Undefined) kind = GuessKind(a);
        return kind switch
        {
            AttributeKind.Float => AttributeValue.Of(a.F),
            AttributeKind.Int => AttributeValue.Of(a.I),
            AttributeKind.String => AttributeValue.Of(Utf8(a.S)),
            AttributeKind.Tensor => AttributeValue.Of(TensorCodec.FromProto(a.T ?? throw new OnnxFormatException($"{Where()}: tensor missing"), Where(), _external)),
            AttributeKind.Graph => AttributeValue.Of(ImportGraph(a.G ?? throw new OnnxFormatException($"{Where()}: graph missing"), depth + 1)),
            AttributeKind.Floats => AttributeValue.Of(a.Floats.ToArray()),
            AttributeKind.Ints => AttributeValue.Of(a.Ints.ToArray()),
            AttributeKind.Strings => AttributeValue.Of(a.Strings.Select(Utf8).ToArray()),
            AttributeKind.Tensors => new AttributeValue(kind) { Tensors = a.Tensors.Select(t => TensorCodec.FromProto(t, Where(), _external)).ToArray() },
            AttributeKind.Graphs => new AttributeValue(kind) { Graphs = a.Graphs.Select(g => ImportGraph(g, depth + 1)).ToArray() },
            AttributeKind.SparseTensor or AttributeKind.SparseTensors or AttributeKind.TypeProto or AttributeKind.TypeProtos =>
                new AttributeValue(kind) { Opaque = a.ToByteArray() },
            _ => throw new OnnxFormatException($"{Where()}: unknown attribute type {(int)a.Type}"),
        };
    }

    private static AttributeKind GuessKind(AttributeProto a) =>
        a.HasF ? AttributeKind.Float : a.HasI ? AttributeKind.Int : a.HasS ? AttributeKind.String
        : a.T is not null ? AttributeKind.Tensor : a.G is not null ? AttributeKind.Graph
        : a.Floats.Count > 0 ? AttributeKind.Floats : a.Ints.Count > 0 ? AttributeKind.Ints
        : a.Strings.Count > 0 ? AttributeKind.Strings : AttributeKind.Undefined;

    private static string Utf8(ByteString bytes) => Encoding.UTF8.GetString(bytes.Span);
}
