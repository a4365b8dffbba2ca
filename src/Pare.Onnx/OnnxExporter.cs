using System.Text;
using Google.Protobuf;
using Pare.Graph;
using Pare.Onnx.Proto;

namespace Pare.Onnx;

/// <summary><see cref="Model"/> → ONNX <c>ModelProto</c>. Weights go out as initializers with raw data;
/// a model built by Pare declares the opset it was built for.</summary>
internal static class OnnxExporter
{
    public static ModelProto Export(Model model)
    {
        var proto = new ModelProto
        {
            IrVersion = Math.Max(model.IrVersion, 4),
            ProducerName = model.ProducerName,
            ProducerVersion = model.ProducerVersion,
            Domain = model.Domain,
            ModelVersion = model.ModelVersion,
            DocString = model.DocString,
            Graph = ExportGraph(model.Graph),
        };
        foreach (var (domain, version) in model.Opsets)
            proto.OpsetImport.Add(new OperatorSetIdProto { Domain = domain, Version = version });
        foreach (var (key, value) in model.Metadata)
            proto.MetadataProps.Add(new StringStringEntryProto { Key = key, Value = value });
        return proto;
    }

    private static GraphProto ExportGraph(ModelGraph graph)
    {
        var proto = new GraphProto { Name = graph.Name, DocString = graph.DocString };
        foreach (var (name, tensor) in graph.Initializers) proto.Initializer.Add(TensorCodec.ToProto(tensor, name));
        foreach (var input in graph.Inputs) proto.Input.Add(ExportValue(input));
        foreach (var output in graph.Outputs) proto.Output.Add(ExportValue(output));
        foreach (var info in graph.ValueInfos.Values) proto.ValueInfo.Add(ExportValue(info));
        foreach (var node in graph.Nodes)
        {
            var n = new NodeProto { Name = node.Name, OpType = node.OpType, Domain = node.Domain, DocString = node.DocString };
            n.Input.AddRange(node.Inputs);
            n.Output.AddRange(node.Outputs);
            foreach (var (name, value) in node.Attributes) n.Attribute.Add(ExportAttribute(name, value));
            proto.Node.Add(n);
        }
        return proto;
    }

    private static ValueInfoProto ExportValue(ValueInfo value)
    {
        // a subgraph output may come without a type; write it back that way (elem_type 0 is not a valid type)
        if (value.ElementType == ElementType.Undefined && value.Shape is null)
            return new ValueInfoProto { Name = value.Name, DocString = value.DocString, Type = new TypeProto() };
        var tensor = new TypeProto.Types.Tensor { ElemType = (int)value.ElementType };
        if (value.Shape is { } shape)
        {
            tensor.Shape = new TensorShapeProto();
            foreach (var d in shape)
            {
                var dim = new TensorShapeProto.Types.Dimension();
                if (d.Value is { } v) dim.DimValue = v;
                else if (d.Param is { } p) dim.DimParam = p;
                tensor.Shape.Dim.Add(dim);
            }
        }
        return new ValueInfoProto { Name = value.Name, DocString = value.DocString, Type = new TypeProto { TensorType = tensor } };
    }

    private static AttributeProto ExportAttribute(string name, AttributeValue value)
    {
        if (value.Opaque.Length > 0)
        {
            var opaque = AttributeProto.Parser.ParseFrom(value.Opaque);
            opaque.Name = name;
            return opaque;
        }
        var a = new AttributeProto { Name = name, Type = (AttributeProto.Types.AttributeType)value.Kind };
        switch (value.Kind)
        {
            case AttributeKind.Float: a.F = value.F; break;
            case AttributeKind.Int: a.I = value.I; break;
            case AttributeKind.String: a.S = ByteString.CopyFrom(value.S, Encoding.UTF8); break;
            case AttributeKind.Tensor: a.T = TensorCodec.ToProto(value.T!, ""); break;
            case AttributeKind.Graph: a.G = ExportGraph(value.G!); break;
            case AttributeKind.Floats: a.Floats.AddRange(value.Floats); break;
            case AttributeKind.Ints: a.Ints.AddRange(value.Ints); break;
            case AttributeKind.Strings: a.Strings.AddRange(value.Strings.Select(s => ByteString.CopyFrom(s, Encoding.UTF8))); break;
            case AttributeKind.Tensors: a.Tensors.AddRange(value.Tensors.Select(t => TensorCodec.ToProto(t, ""))); break;
            case AttributeKind.Graphs: a.Graphs.AddRange(value.Graphs.Select(ExportGraph)); break;
            default: throw new ArgumentOutOfRangeException(nameof(value), value.Kind, $"attribute '{name}' cannot be written");
        }
        return a;
    }
}
