using Pare.Core;
using Pare.Core.Random;
using Pare.Graph.Execution;
using Pare.Graph.Optimization;

namespace Pare.Graph.Tests;

/// <summary>Raising the opset keeps what each rewritten node computes.</summary>
public class OpsetUpgradeTests
{
    private static Model Opset9(Node node, params int[] shape)
    {
        var g = new ModelGraph { Name = "g" };
        g.Inputs.Add(new ValueInfo("x", ElementType.Float, [.. shape.Select(d => Dim.Of(d))]));
        g.Nodes.Add(node);
        g.Outputs.Add(new ValueInfo("y", ElementType.Float, null));
        var m = new Model(g);
        m.Opsets[""] = 9;
        return m;
    }

    public static TheoryData<string> Cases => ["Slice", "Clip", "Softmax", "Squeeze", "Pad"];

    private static Node Case(string op)
    {
        var n = new Node("n", op, ["x"], ["y"]);
        switch (op)
        {
            case "Slice":
                n.Attributes.Set("starts", AttributeValue.Of(new long[] { 1, 0 }));
                n.Attributes.Set("ends", AttributeValue.Of(new long[] { 3, -1 }));
                n.Attributes.Set("axes", AttributeValue.Of(new long[] { 1, 2 }));
                break;
            case "Clip":
                n.Attributes.Set("min", AttributeValue.Of(-0.5f));
                n.Attributes.Set("max", AttributeValue.Of(0.7f));
                break;
            case "Softmax": // old semantics: softmax over the flattened dimensions 1.. (not over the last axis)
                n.Attributes.Set("axis", AttributeValue.Of(1L));
                break;
            case "Squeeze":
                n.Attributes.Set("axes", AttributeValue.Of(new long[] { 0 }));
                break;
            case "Pad":
                n.Attributes.Set("pads", AttributeValue.Of(new long[] { 0, 1, 0, 0, 0, 2, 0, 1 }));
                n.Attributes.Set("value", AttributeValue.Of(0.25f));
                break;
        }
        return n;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void UpgradedNodeComputesTheSame(string op)
    {
        var model = Opset9(Case(op), 1, 4, 5, 3);
        var x = Tensor.Normal([1, 4, 5, 3], 0, 1, new Rng(7));
        var before = new InferenceSession(model, optimize: false).Run([x])[0];
        var upgraded = model.Clone();
        Assert.Equal(1, OpsetUpgrade.Run(upgraded, 13));
        Assert.Equal(13, upgraded.OpsetOf(""));
        var after = new InferenceSession(upgraded, optimize: false).Run([x])[0];
        Assert.Equal(before.Shape, after.Shape);
        Assert.Equal(before.ToArray<float>(), after.ToArray<float>());
    }

    [Fact]
    public void UnsupportedOpIsRefusedByName()
    {
        var model = Opset9(new Node("up", "Upsample", ["x"], ["y"]), 1, 1, 2, 2);
        var e = Assert.Throws<GraphException>(() => OpsetUpgrade.Run(model, 13));
        Assert.Contains("up", e.Message);
    }
}
