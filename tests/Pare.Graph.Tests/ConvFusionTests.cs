using Pare.Core;
using Pare.Core.Random;
using Pare.Graph.Execution;

namespace Pare.Graph.Tests;

public class ConvFusionTests
{
    private static ModelGraph Start(Rng rng, int groups = 1)
    {
        var g = new ModelGraph { Name = "conv_fusion" };
        g.Inputs.Add(new ValueInfo("x", ElementType.Float, [Dim.Of(2), Dim.Of(4), Dim.Of(9), Dim.Of(11)]));
        g.Initializers["w"] = Tensor.Normal([4, 4 / groups, 3, 3], 0, 1, rng);
        g.Initializers["b"] = Tensor.Normal([4], 0, 1, rng);
        g.Initializers["three"] = Tensor.FromSpan<float>([3f]);
        g.Initializers["zero"] = Tensor.Scalar(0f);
        g.Initializers["six"] = Tensor.Scalar(6f);
        g.Initializers["s"] = Tensor.FromSpan<float>([0.7f]);
        g.Initializers["t"] = Tensor.FromSpan<float>([-0.2f]);
        var conv = new Node("conv", "Conv", ["x", "w", "b"], ["c"]);
        conv.Attributes.Set("pads", AttributeValue.Of([1L, 1L, 1L, 1L]));
        conv.Attributes.Set("group", AttributeValue.Of((long)groups));
        g.Nodes.Add(conv);
        return g;
    }

    private static InferenceSession Check(ModelGraph g, string output, Rng rng)
    {
        g.Outputs.Add(new ValueInfo(output, ElementType.Float, null));
        var model = new Model(g);
        var x = Tensor.Normal([2, 4, 9, 11], 0, 2, rng);
        var plain = new InferenceSession(model, optimize: false).Run([x])[0].ToArray<float>();
        var session = new InferenceSession(model);
        var fused = session.Run([x])[0].ToArray<float>();
        Assert.Equal(plain.Length, fused.Length);
        for (var i = 0; i < plain.Length; i++) Assert.Equal(plain[i], fused[i], 1e-4f);
        return session;
    }

    [Theory]
    [InlineData(1)]
    [InlineData(4)]
    public void ExporterHardSwishFusesIntoTheConv(int groups)
    {
        var rng = new Rng(11);
        var g = Start(rng, groups);
        g.Nodes.Add(new Node("add", "Add", ["c", "three"], ["a"]));
        g.Nodes.Add(new Node("clip", "Clip", ["a", "zero", "six"], ["k"]));
        g.Nodes.Add(new Node("mul", "Mul", ["c", "k"], ["m"]));
        g.Nodes.Add(new Node("div", "Div", ["m", "six"], ["h"]));
        g.Nodes.Add(new Node("scale", "Mul", ["s", "h"], ["hs"]));
        g.Nodes.Add(new Node("shift", "Add", ["hs", "t"], ["y"]));
        var session = Check(g, "y", rng);
        Assert.Equal(1, session.Optimizations.FusedActivations);
        Assert.Equal(2, session.Optimizations.FoldedAffines);
        Assert.Equal(["FusedConv"], session.Model.Graph.Nodes.Select(n => n.OpType));
    }

    [Theory]
    [InlineData("Relu")]
    [InlineData("Sigmoid")]
    [InlineData("HardSigmoid")]
    [InlineData("HardSwish")]
    [InlineData("LeakyRelu")]
    [InlineData("Clip")]
    public void ActivationsFuseIntoTheConvAfterFoldedScaleAndShift(string op)
    {
        var rng = new Rng(12);
        var g = Start(rng);
        g.Nodes.Add(new Node("scale", "Mul", ["s", "c"], ["cs"]));
        g.Nodes.Add(new Node("shift", "Add", ["cs", "t"], ["ct"]));
        var act = new Node("act", op, op == "Clip" ? ["ct", "zero", "six"] : ["ct"], ["y"]);
        if (op == "LeakyRelu") act.Attributes.Set("alpha", AttributeValue.Of(0.3f));
        g.Nodes.Add(act);
        var session = Check(g, "y", rng);
        Assert.Equal(1, session.Optimizations.FusedActivations);
        Assert.Equal(2, session.Optimizations.FoldedAffines);
        Assert.Single(session.Model.Graph.Nodes);
    }

    [Fact]
    public void ResidualAddOfAnEarlierValueFusesBeforeTheActivation()
    {
        var rng = new Rng(13);
        var g = Start(rng);
        g.Nodes.Add(new Node("res", "Add", ["x", "c"], ["r"]));
        g.Nodes.Add(new Node("relu", "Relu", ["r"], ["y"]));
        var session = Check(g, "y", rng);
        Assert.Equal(2, session.Optimizations.FusedActivations);
        Assert.Single(session.Model.Graph.Nodes);
    }

    [Theory]
    [InlineData(3)]
    [InlineData(4)]
    public void PerChannelAddOfABiaslessConvRunsAsItsBiasBitForBit(int rank)
    {
        // mnist-8's form: Conv without B, then Add of a (C, 1, 1) constant, then Relu
        var rng = new Rng(14);
        var g = Start(rng);
        g.Nodes[0].Inputs.RemoveAt(2);
        g.Initializers["cb"] = Tensor.Normal(rank == 3 ? [4, 1, 1] : [1, 4, 1, 1], 0, 1, rng);
        g.Nodes.Add(new Node("bias", "Add", ["c", "cb"], ["cz"]));
        g.Nodes.Add(new Node("relu", "Relu", ["cz"], ["y"]));
        g.Outputs.Add(new ValueInfo("y", ElementType.Float, null));
        var model = new Model(g);
        var x = Tensor.Normal([2, 4, 9, 11], 0, 2, rng);
        var plain = new InferenceSession(model, optimize: false).Run([x])[0].ToArray<float>();
        var session = new InferenceSession(model);
        var fused = session.Run([x])[0].ToArray<float>();
        Assert.Equal(["FusedConv"], session.Model.Graph.Nodes.Select(n => n.OpType));
        Assert.Equal(plain, fused);
    }

    [Fact]
    public void ValuesWithOtherReadersOrGraphOutputsAreNotFused()
    {
        var rng = new Rng(14);
        var g = Start(rng);
        g.Nodes.Add(new Node("relu", "Relu", ["c"], ["r"]));
        g.Nodes.Add(new Node("sum", "Add", ["c", "r"], ["y"]));
        var session = Check(g, "y", rng);
        Assert.Equal(0, session.Optimizations.FusedActivations);
        Assert.Contains(session.Model.Graph.Nodes, n => n.OpType == "Conv");

        var h = Start(rng);
        h.Nodes.Add(new Node("relu", "Relu", ["c"], ["y"]));
        h.Outputs.Add(new ValueInfo("c", ElementType.Float, null));
        var model = new Model(h);
        h.Outputs.Add(new ValueInfo("y", ElementType.Float, null));
        var fused = new InferenceSession(model);
        Assert.Equal(0, fused.Optimizations.FusedActivations);
    }
}
