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

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void ConstantsInsideIfBranchesAreFoldedWithOuterInitializers(bool cond)
    {
        // then: y = x + Relu(Constant k) · w, where w is a main-graph initializer; else: y = x. The two constant nodes
        // (Constant, Relu) and the Mul of two constants fold into the branch's initializers; Add reads the input.
        var g = new ModelGraph { Name = "main" };
        g.Inputs.Add(new ValueInfo("cond", ElementType.Bool, null));
        g.Inputs.Add(new ValueInfo("x", ElementType.Float, null));
        g.Initializers["w"] = Tensor.FromSpan<float>([3f, 3f]);
        var then = new ModelGraph { Name = "then" };
        var k = new Node("k", "Constant", [], ["k"]);
        k.Attributes.Set("value", AttributeValue.Of(Tensor.FromSpan<float>([-1f, 2f])));
        then.Nodes.Add(k);
        then.Nodes.Add(new Node("relu_k", "Relu", ["k"], ["rk"]));
        then.Nodes.Add(new Node("scale", "Mul", ["rk", "w"], ["kw"]));
        then.Nodes.Add(new Node("add", "Add", ["x", "kw"], ["t"]));
        then.Outputs.Add(new ValueInfo("t", ElementType.Float, null));
        var otherwise = new ModelGraph { Name = "else" };
        otherwise.Nodes.Add(new Node("id", "Identity", ["x"], ["e"]));
        otherwise.Outputs.Add(new ValueInfo("e", ElementType.Float, null));
        var node = new Node("if", "If", ["cond"], ["y"]);
        node.Attributes.Set("then_branch", AttributeValue.Of(then));
        node.Attributes.Set("else_branch", AttributeValue.Of(otherwise));
        g.Nodes.Add(node);
        g.Outputs.Add(new ValueInfo("y", ElementType.Float, null));
        var model = new Model(g);

        var session = new InferenceSession(model);
        Assert.Equal(3, session.Optimizations.FoldedConstants);
        var folded = session.Model.Graph.Nodes.Single().Attributes.Graph("then_branch");
        Assert.Equal(["add"], folded.Nodes.Select(n => n.Name));
        Assert.Equal([0f, 6f], folded.Initializers["kw"].ToArray<float>());
        Assert.Equal(4, model.Graph.Nodes[0].Attributes.Graph("then_branch").Nodes.Count); // the source model is untouched
        var y = session.Run([Tensor.Wrap([cond], default), Tensor.FromSpan<float>([1f, 1f])])[0];
        Assert.Equal(cond ? [1f, 7f] : [1f, 1f], y.ToArray<float>());
    }

    [Fact]
    public void BranchValuesShadowingOuterConstantsAreNotFolded()
    {
        // the branch's own node output "w" hides the main graph's initializer "w": Mul(w, w) reads the branch value
        var g = new ModelGraph { Name = "main" };
        g.Inputs.Add(new ValueInfo("cond", ElementType.Bool, null));
        g.Inputs.Add(new ValueInfo("x", ElementType.Float, null));
        g.Initializers["w"] = Tensor.FromSpan<float>([5f]);
        var then = new ModelGraph { Name = "then" };
        then.Nodes.Add(new Node("neg", "Neg", ["x"], ["w"]));
        then.Nodes.Add(new Node("sq", "Mul", ["w", "w"], ["t"]));
        then.Outputs.Add(new ValueInfo("t", ElementType.Float, null));
        var otherwise = new ModelGraph { Name = "else" };
        otherwise.Nodes.Add(new Node("id", "Identity", ["w"], ["e"]));
        otherwise.Outputs.Add(new ValueInfo("e", ElementType.Float, null));
        var node = new Node("if", "If", ["cond"], ["y"]);
        node.Attributes.Set("then_branch", AttributeValue.Of(then));
        node.Attributes.Set("else_branch", AttributeValue.Of(otherwise));
        g.Nodes.Add(node);
        g.Outputs.Add(new ValueInfo("y", ElementType.Float, null));

        var session = new InferenceSession(new Model(g));
        Assert.Equal([4f], session.Run([Tensor.Wrap([true], default), Tensor.FromSpan<float>([2f])])[0].ToArray<float>());
        Assert.Equal([5f], session.Run([Tensor.Wrap([false], default), Tensor.FromSpan<float>([2f])])[0].ToArray<float>());
    }
}
