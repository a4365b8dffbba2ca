using Google.Protobuf;
using Pare.Onnx.Proto;

namespace Pare.Onnx.Tests;

/// <summary>Builds ONNX protos in code for hostile-input tests (no files from outside the test needed).</summary>
internal static class ProtoBuild
{
    public static ValueInfoProto Value(string name, params long[] dims)
    {
        var shape = new TensorShapeProto();
        foreach (var d in dims) shape.Dim.Add(new TensorShapeProto.Types.Dimension { DimValue = d });
        return new ValueInfoProto
        {
            Name = name,
            Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = (int)TensorProto.Types.DataType.Float, Shape = shape } },
        };
    }

    public static NodeProto Node(string name, string op, string[] inputs, string[] outputs, string domain = "")
    {
        var node = new NodeProto { Name = name, OpType = op, Domain = domain };
        node.Input.AddRange(inputs);
        node.Output.AddRange(outputs);
        return node;
    }

    public static TensorProto Floats(string name, long[] dims, params float[] values)
    {
        var t = new TensorProto { Name = name, DataType = (int)TensorProto.Types.DataType.Float };
        t.Dims.AddRange(dims);
        t.FloatData.AddRange(values);
        return t;
    }

    /// <summary>x (1, 4) → Relu → Sigmoid → y, opset 17; the base most hostile variants start from.</summary>
    public static ModelProto Chain(long opset = 17)
    {
        var graph = new GraphProto { Name = "chain" };
        graph.Input.Add(Value("x", 1, 4));
        graph.Output.Add(Value("y", 1, 4));
        graph.Node.Add(Node("relu", "Relu", ["x"], ["h"]));
        graph.Node.Add(Node("sigmoid", "Sigmoid", ["h"], ["y"]));
        var model = new ModelProto { IrVersion = 8, Graph = graph, ProducerName = "test" };
        model.OpsetImport.Add(new OperatorSetIdProto { Domain = "", Version = opset });
        return model;
    }

    /// <summary>A model reading weight <c>w</c> (shape (1, 4)) stored as <paramref name="weight"/>.</summary>
    public static ModelProto WithWeight(TensorProto weight)
    {
        var model = Chain();
        model.Graph.Node.Clear();
        model.Graph.Initializer.Add(weight);
        model.Graph.Node.Add(Node("relu", "Relu", ["w"], ["y"]));
        return model;
    }

    public static TensorProto External(string location, long[] dims, long offset = 0)
    {
        var t = new TensorProto { Name = "w", DataType = (int)TensorProto.Types.DataType.Float, DataLocation = TensorProto.Types.DataLocation.External };
        t.Dims.AddRange(dims);
        t.ExternalData.Add(new StringStringEntryProto { Key = "location", Value = location });
        if (offset != 0) t.ExternalData.Add(new StringStringEntryProto { Key = "offset", Value = offset.ToString(System.Globalization.CultureInfo.InvariantCulture) });
        return t;
    }

    public static byte[] Bytes(this IMessage message) => message.ToByteArray();
}
