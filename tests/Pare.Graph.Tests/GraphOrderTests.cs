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
    public void NodeWithSubgraphFollowsTheProducersOfWhatItsSubgraphReads()
    {
        // the If's branch reads b from the enclosing graph without naming it as an input of the If
        var branch = new ModelGraph { Name = "branch" };
        branch.Nodes.Add(new Node("inner", "Identity", ["b"], ["r"]));
        branch.Outputs.Add(new ValueInfo("r", ElementType.Float, null));
        var g = new ModelGraph { Name = "g" };
        g.Inputs.Add(new ValueInfo("x", ElementType.Float, [Dim.Of(3)]));
        g.Inputs.Add(new ValueInfo("cond", ElementType.Bool, []));
        var @if = new Node("if", "If", ["cond"], ["y"]);
        @if.Attributes.Set("then_branch", AttributeValue.Of(branch));
        @if.Attributes.Set("else_branch", AttributeValue.Of(branch.Clone()));
        g.Nodes.Add(@if);
        g.Nodes.Add(new Node("n_b", "Relu", ["x"], ["b"]));
        g.Outputs.Add(new ValueInfo("y", ElementType.Float, null));
        g.Sort();
        Assert.Equal(["n_b", "if"], g.Nodes.Select(n => n.Name));
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
