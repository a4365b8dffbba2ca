using Pare.Core;
using Pare.Core.Random;
using Pare.Graph.Execution;

namespace Pare.Graph.Tests;

/// <summary>The inference optimizer's ConvTranspose rewrites (bias Add, batch norm and activation folded into a
/// com.pare FusedConvTranspose) against the graph run as written.</summary>
public class ConvTransposeFusionTests
{
    // folding the batch norm into the weights rounds differently from applying it after the sums
    private const float FoldTolerance = 1e-4f;

    private static ModelGraph Head(Rng rng, int groups, long[] strides, long[] pads, long[] outputPadding)
    {
        var g = new ModelGraph { Name = "convtranspose_fusion" };
        g.Inputs.Add(new ValueInfo("x", ElementType.Float, [Dim.Of(2), Dim.Of(4), Dim.Of(5), Dim.Of(7)]));
        g.Initializers["w"] = Tensor.Normal([4, 6 / groups, 2, 2], 0, 1, rng);
        g.Initializers["b"] = Tensor.Normal([1, 6, 1, 1], 0, 1, rng);
        g.Initializers["gamma"] = Tensor.Uniform([6], 0.5f, 1.5f, rng);
        g.Initializers["beta"] = Tensor.Normal([6], 0, 1, rng);
        g.Initializers["mean"] = Tensor.Normal([6], 0, 1, rng);
        g.Initializers["var"] = Tensor.Uniform([6], 0.5f, 2f, rng);
        g.Initializers["w2"] = Tensor.Normal([6, 1, 2, 2], 0, 1, rng);
        g.Initializers["b2"] = Tensor.FromSpan<float>([0.25f]);
        var ct = new Node("up", "ConvTranspose", ["x", "w"], ["u"]);
        ct.Attributes.Set("strides", AttributeValue.Of(strides));
        ct.Attributes.Set("pads", AttributeValue.Of(pads));
        ct.Attributes.Set("output_padding", AttributeValue.Of(outputPadding));
        ct.Attributes.Set("group", AttributeValue.Of((long)groups));
        g.Nodes.Add(ct);
        g.Nodes.Add(new Node("bias", "Add", ["u", "b"], ["ub"]));
        g.Nodes.Add(new Node("bn", "BatchNormalization", ["ub", "gamma", "beta", "mean", "var"], ["n"]));
        g.Nodes.Add(new Node("relu", "Relu", ["n"], ["r"]));
        var ct2 = new Node("up2", "ConvTranspose", ["r", "w2"], ["v"]);
        ct2.Attributes.Set("strides", AttributeValue.Of([2L, 2L]));
        g.Nodes.Add(ct2);
        g.Nodes.Add(new Node("bias2", "Add", ["v", "b2"], ["vb"]));
        g.Nodes.Add(new Node("sigmoid", "Sigmoid", ["vb"], ["y"]));
        g.Outputs.Add(new ValueInfo("y", ElementType.Float, null));
        return g;
    }

    [Theory]
    [InlineData(1, 2, 0, 0)] // kernel = stride: the tiling path
    [InlineData(2, 2, 0, 0)] // groups 2
    [InlineData(1, 1, 0, 0)] // stride 1: overlapping taps, the col2im path
    [InlineData(1, 3, 1, 1)] // stride 3, pads, output padding
    public void BiasBatchNormAndActivationsFoldIntoTheConvTranspose(int groups, int stride, int pad, int outputPadding)
    {
        var rng = new Rng(21);
        var g = Head(rng, groups, [stride, stride], [pad, pad, pad, pad], [outputPadding, outputPadding]);
        var model = new Model(g);
        var x = Tensor.Normal([2, 4, 5, 7], 0, 1, rng);
        var plain = new InferenceSession(model, optimize: false).Run([x])[0].ToArray<float>();
        var session = new InferenceSession(model);
        var fused = session.Run([x])[0].ToArray<float>();
        Assert.Equal(plain.Length, fused.Length);
        for (var i = 0; i < plain.Length; i++) Assert.Equal(plain[i], fused[i], FoldTolerance);
        Assert.Equal(["FusedConvTranspose", "FusedConvTranspose"], session.Model.Graph.Nodes.Select(n => n.OpType));
        Assert.Equal(3, session.Optimizations.FoldedIntoConvTranspose);
        Assert.Equal(2, session.Optimizations.FusedActivations);
    }

    [Fact]
    public void AnAddReadElsewhereIsNotFolded()
    {
        var rng = new Rng(22);
        var g = Head(rng, 1, [2, 2], [0, 0, 0, 0], [0, 0]);
        g.Outputs.Add(new ValueInfo("u", ElementType.Float, null));
        var session = new InferenceSession(new Model(g));
        Assert.Contains(session.Model.Graph.Nodes, n => n.OpType == "ConvTranspose");
        Assert.Contains(session.Model.Graph.Nodes, n => n.OpType == "BatchNormalization");
    }
}
