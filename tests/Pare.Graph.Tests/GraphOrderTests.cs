using Pare.Core;
using Pare.Graph;
using Pare.Graph.Execution;

namespace Pare.Graph.Tests;

public class GraphOrderTests
{
    private static ModelGraph Chain(params (string Op, string In, string Out)[] nodes)
    {
        var g = new ModelGraph { Name = "g" };
        g.Inputs.Add(new ValueInfo("x", ElementType.Float, [Dim.Of(3)]));
        foreach (var (op, input, output) in nodes) g.Nodes.Add(new Node($"n_{output}", op, [input], [output]));
        g.Outputs.Add(new ValueInfo(nodes[^1].Out, ElementType.Float, null));
        return g;
    }

    [Fact]
    public void SortPutsProducersFirst()
    {
        var g = Chain(("Relu", "b", "c"), ("Relu", "x", "b"));
        g.Sort();
        Assert.Equal(["n_b", "n_c"], g.Nodes.Select(n => n.Name));
    }

    [Fact]
    public void CycleIsReportedWithTheNode()
    {
        var g = Chain(("Relu", "c", "b"), ("Relu", "b", "c"));
        var e = Assert.Throws<GraphException>(() => g.Sort());
        Assert.Contains("cycle", e.Message);
        Assert.Contains("n_", e.Message);
    }

    [Fact]
    public void DanglingInputIsReportedByName()
    {
        var g = Chain(("Relu", "nowhere", "b"));
        var e = Assert.Throws<GraphException>(() => g.Sort());
        Assert.Contains("'nowhere'", e.Message);
        Assert.Contains("n_b", e.Message);
    }

    [Fact]
    public void RunsAChainAndChecksInputs()
    {
        var session = new InferenceSession(new Model(Chain(("Relu", "x", "b"), ("Sigmoid", "b", "c"))));
        var y = session.Run([Tensor.FromSpan<float>([-1f, 0f, 2f])]);
        Assert.Equal([0.5f, 0.5f, 1f / (1f + MathF.Exp(-2f))], y[0].ToArray<float>());
        var e = Assert.Throws<GraphException>(() => session.Run([Tensor.FromSpan<float>([1f, 2f])]));
        Assert.Contains("'x'", e.Message);
    }

    [Fact]
    public void UnknownOpIsUnsupportedNamingTheNode()
    {
        var e = Assert.Throws<UnsupportedOpException>(() => new InferenceSession(new Model(Chain(("FancyOp", "x", "b")))));
        Assert.Contains("n_b", e.Message);
        Assert.Contains("FancyOp", e.Message);
    }
}
