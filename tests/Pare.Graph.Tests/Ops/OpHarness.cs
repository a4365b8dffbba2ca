using Pare.Core;
using Pare.Graph.Execution;

namespace Pare.Graph.Tests.Ops;

/// <summary>Builds and runs a one-node model: the inputs are graph inputs named in0, in1, … (null = omitted).</summary>
internal static class OpHarness
{
    public static Model Model(string opType, Tensor?[] inputs, int outputs = 1, long? opset = null, params (string Name, AttributeValue Value)[] attributes)
    {
        var g = new ModelGraph { Name = opType };
        var names = new List<string>();
        for (int i = 0; i < inputs.Length; i++)
        {
            if (inputs[i] is null) { names.Add(""); continue; }
            names.Add($"in{i}");
            g.Inputs.Add(new ValueInfo($"in{i}", ElementType.Undefined, null));
        }
        var outs = Enumerable.Range(0, outputs).Select(k => $"out{k}").ToList();
        var node = new Node("node_under_test", opType, names, outs);
        foreach (var (name, value) in attributes) node.Attributes.Set(name, value);
        g.Nodes.Add(node);
        foreach (var o in outs) g.Outputs.Add(new ValueInfo(o, ElementType.Undefined, null));
        var model = new Model(g);
        if (opset is { } v) model.Opsets[""] = v;
        return model;
    }

    public static Tensor[] Run(string opType, Tensor?[] inputs, int outputs = 1, params (string Name, AttributeValue Value)[] attributes) =>
        new InferenceSession(Model(opType, inputs, outputs, null, attributes)).Run(inputs.Where(t => t is not null).Select(t => t!).ToArray());

    public static (string, AttributeValue) Ints(string name, params long[] values) => (name, AttributeValue.Of(values));

    public static (string, AttributeValue) Int(string name, long value) => (name, AttributeValue.Of(value));

    public static (string, AttributeValue) Str(string name, string value) => (name, AttributeValue.Of(value));

    public static (string, AttributeValue) Float(string name, float value) => (name, AttributeValue.Of(value));

    public static Tensor F(float[] values, params int[] shape) => Tensor.Wrap(values, new Shape(shape));
}
