using Pare.Core;
using Pare.Graph.Execution;

namespace Pare.Graph.Tests.Ops;

/// <summary>Runs a one-node model: inputs x0, x1, … (empty name = omitted optional input), outputs y0, y1, ….</summary>
internal static class OneNode
{
    public static Node Make(string opType, int inputs, int outputs, params (string Name, AttributeValue Value)[] attributes)
    {
        var node = new Node("n0", opType, Enumerable.Range(0, inputs).Select(i => $"x{i}"), Enumerable.Range(0, outputs).Select(i => $"y{i}"));
        foreach (var (name, value) in attributes) node.Attributes.Set(name, value);
        return node;
    }

    public static Model Model(Node node, long opset, params Tensor[] inputs)
    {
        var g = new ModelGraph { Name = "g" };
        for (int i = 0; i < inputs.Length; i++) g.Inputs.Add(new ValueInfo($"x{i}", ElementTypes.FromDType(inputs[i].DType), null));
        g.Nodes.Add(node);
        foreach (var o in node.Outputs) g.Outputs.Add(new ValueInfo(o, ElementType.Undefined, null));
        var model = new Model(g);
        model.Opsets[""] = opset;
        return model;
    }

    public static Tensor[] Run(Node node, long opset, params Tensor[] inputs) =>
        new InferenceSession(Model(node, opset, inputs)).Run(inputs);

    public static Tensor[] RunTraining(Node node, long opset, params Tensor[] inputs) =>
        new GraphRunner(Model(node, opset, inputs), training: true).Run(inputs);

    public static AttributeValue I(long v) => AttributeValue.Of(v);

    public static AttributeValue F(float v) => AttributeValue.Of(v);

    public static AttributeValue Ints(params long[] v) => AttributeValue.Of(v);

    public static AttributeValue S(string v) => AttributeValue.Of(v);
}
