using Pare.Core;
using Pare.Core.Random;
using Pare.Graph.Execution;

namespace Pare.Graph.Tests;

public class GraphOptimizerTests
{
    private static Model ConvBatchNormRelu(Rng rng, bool convBias)
    {
        var g = new ModelGraph { Name = "conv_bn" };
        g.Inputs.Add(new ValueInfo("x", ElementType.Float, [Dim.Of(2), Dim.Of(3), Dim.Of(8), Dim.Of(8)]));
        g.Initializers["w"] = Tensor.Normal([4, 3, 3, 3], 0, 1, rng);
        if (convBias) g.Initializers["b"] = Tensor.Normal([4], 0, 1, rng);
        g.Initializers["gamma"] = Tensor.Uniform([4], 0.5f, 1.5f, rng);
        g.Initializers["beta"] = Tensor.Normal([4], 0, 1, rng);
        g.Initializers["mean"] = Tensor.Normal([4], 0, 1, rng);
        g.Initializers["var"] = Tensor.Uniform([4], 0.5f, 2f, rng);
        var conv = new Node("conv", "Conv", convBias ? ["x", "w", "b"] : ["x", "w"], ["c"]);
        conv.Attributes.Set("pads", AttributeValue.Of([1L, 1L, 1L, 1L]));
        g.Nodes.Add(conv);
        var bn = new Node("bn", "BatchNormalization", ["c", "gamma", "beta", "mean", "var"], ["n"]);
        bn.Attributes.Set("epsilon", AttributeValue.Of(1e-3f));
        g.Nodes.Add(bn);
        g.Nodes.Add(new Node("relu", "Relu", ["n"], ["y"]));
        g.Outputs.Add(new ValueInfo("y", ElementType.Float, null));
        return new Model(g);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void BatchNormFoldsIntoConvWithoutChangingOutputs(bool convBias)
    {
        var rng = new Rng(5);
        var model = ConvBatchNormRelu(rng, convBias);
        var x = Tensor.Normal([2, 3, 8, 8], 0, 1, rng);
        var plain = new InferenceSession(model, optimize: false).Run([x])[0].ToArray<float>();
        var session = new InferenceSession(model);
        var folded = session.Run([x])[0].ToArray<float>();

        Assert.Equal(1, session.Optimizations.FoldedBatchNorms);
        Assert.DoesNotContain(session.Model.Graph.Nodes, n => n.OpType == "BatchNormalization");
        Assert.Contains(model.Graph.Nodes, n => n.OpType == "BatchNormalization"); // the source model is untouched
        for (var i = 0; i < plain.Length; i++) Assert.Equal(plain[i], folded[i], 1e-4f);
    }

    [Fact]
    public void ConstantSubgraphsAreFoldedOnce()
    {
        var g = new ModelGraph { Name = "consts" };
        g.Inputs.Add(new ValueInfo("x", ElementType.Float, null));
        var c = new Node("c", "Constant", [], ["k"]);
        c.Attributes.Set("value", AttributeValue.Of(Tensor.FromSpan<float>([-1f, 2f])));
        g.Nodes.Add(c);
        g.Nodes.Add(new Node("relu_k", "Relu", ["k"], ["rk"]));
        g.Nodes.Add(new Node("use", "Add", ["x", "rk"], ["y"]));
        g.Outputs.Add(new ValueInfo("y", ElementType.Float, null));
        var session = new InferenceSession(new Model(g));
        Assert.Equal(2, session.Optimizations.FoldedConstants);
        Assert.Equal([1f, 3f], session.Run([Tensor.FromSpan<float>([1f, 1f])])[0].ToArray<float>());
    }
}
