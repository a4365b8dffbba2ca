using Pare.Core;
using Pare.Core.Ops;
using Pare.Core.Random;
using Pare.Graph.Execution;

namespace Pare.Graph.Tests;

public class TrainingSessionTests
{
    /// <summary>x (4,3) → MatMul W1 (initializer) → Add b1 → Relu → MatMul W2 (a Constant node, as PaddleOCR stores weights).</summary>
    private static Model TwoLayer(Tensor w1, Tensor b1, Tensor w2)
    {
        var g = new ModelGraph { Name = "two_layer" };
        g.Inputs.Add(new ValueInfo("x", ElementType.Float, [Dim.Symbol("n"), Dim.Of(3)]));
        g.Initializers["w1"] = w1.Clone();
        g.Initializers["b1"] = b1.Clone();
        var constant = new Node("w2_const", "Constant", [], ["w2"]);
        constant.Attributes.Set("value", AttributeValue.Of(w2.Clone()));
        g.Nodes.Add(constant);
        g.Nodes.Add(new Node("mm1", "MatMul", ["x", "w1"], ["h0"]));
        g.Nodes.Add(new Node("add1", "Add", ["h0", "b1"], ["h1"]));
        g.Nodes.Add(new Node("relu", "Relu", ["h1"], ["h2"]));
        g.Nodes.Add(new Node("mm2", "MatMul", ["h2", "w2"], ["y"]));
        g.Outputs.Add(new ValueInfo("y", ElementType.Float, null));
        return new Model(g);
    }

    [Fact]
    public void GradientsMatchTheSameComputationInCoreOps()
    {
        var rng = new Rng(3);
        Tensor w1 = Tensor.Normal([3, 5], 0, 1, rng), b1 = Tensor.Normal([5], 0, 1, rng), w2 = Tensor.Normal([5, 2], 0, 1, rng);
        var x = Tensor.Normal([4, 3], 0, 1, rng);
        var session = new TrainingSession(TwoLayer(w1, b1, w2));
        Assert.Equal(["b1", "w1", "w2"], session.Parameters.Keys.Order());
        Assert.DoesNotContain(session.Model.Graph.Nodes, n => n.OpType == "Constant");

        Reduce.Sum(session.Forward([x])[0]).Backward();

        Tensor rw1 = w1.Clone(), rb1 = b1.Clone(), rw2 = w2.Clone();
        foreach (var t in new[] { rw1, rb1, rw2 }) t.RequiresGrad = true;
        Reduce.Sum(Linalg.MatMul(Elementwise.Relu(Elementwise.Add(Linalg.MatMul(x, rw1), rb1)), rw2)).Backward();
        Assert.Equal(rw1.Grad!.ToArray<float>(), session.Parameters["w1"].Grad!.ToArray<float>());
        Assert.Equal(rb1.Grad!.ToArray<float>(), session.Parameters["b1"].Grad!.ToArray<float>());
        Assert.Equal(rw2.Grad!.ToArray<float>(), session.Parameters["w2"].Grad!.ToArray<float>());
    }

    [Fact]
    public void BatchNormStatisticsStayFrozen()
    {
        var g = new ModelGraph { Name = "bn" };
        g.Inputs.Add(new ValueInfo("x", ElementType.Float, null));
        foreach (var name in new[] { "scale", "bias", "mean", "var" }) g.Initializers[name] = Tensor.Ones([2]);
        g.Nodes.Add(new Node("bn", "BatchNormalization", ["x", "scale", "bias", "mean", "var"], ["y"]));
        g.Outputs.Add(new ValueInfo("y", ElementType.Float, null));
        var session = new TrainingSession(new Model(g));
        Assert.Equal(["bias", "scale"], session.Parameters.Keys.Order());
    }
}
