using Pare.Core;
using Pare.Graph.Analysis;

namespace Pare.Graph.Tests;

/// <summary>Shapes, weights and peak activation memory measured by running a small graph.</summary>
public class ModelAnalyzerTests
{
    /// <summary>x (N, 4) → a = Relu(x), b = Sigmoid(x), c = Tanh(a); outputs b and c; plus a Constant weight w (2, 3)
    /// read by Identity and an unread initializer u (5).</summary>
    private static Model Branching()
    {
        var g = new ModelGraph { Name = "branching" };
        g.Inputs.Add(new ValueInfo("x", ElementType.Float, [Dim.Symbol("N"), Dim.Of(4)]));
        g.Nodes.Add(new Node("relu", "Relu", ["x"], ["a"]));
        g.Nodes.Add(new Node("sigmoid", "Sigmoid", ["x"], ["b"]));
        g.Nodes.Add(new Node("tanh", "Tanh", ["a"], ["c"]));
        var constant = new Node("const", "Constant", [], ["w"]);
        constant.Attributes.Set("value", AttributeValue.Of(Tensor.Zeros(new Shape(2, 3))));
        g.Nodes.Add(constant);
        g.Nodes.Add(new Node("id", "Identity", ["w"], ["v"]));
        g.Initializers["u"] = Tensor.Zeros(new Shape(5));
        g.Outputs.Add(new ValueInfo("b", ElementType.Float, null));
        g.Outputs.Add(new ValueInfo("c", ElementType.Float, null));
        g.Outputs.Add(new ValueInfo("v", ElementType.Float, null));
        return new Model(g);
    }

    [Fact]
    public void Symbolic_dimensions_are_bound_and_shapes_reported_per_node()
    {
        var cost = ModelAnalyzer.Analyze(Branching(), new Dictionary<string, long> { ["N"] = 3 });
        Assert.Equal([3, 4], cost.Inputs[0].Dims);
        var relu = cost.Nodes.Single(n => n.Name == "relu");
        Assert.Equal("a", relu.Outputs[0].Name);
        Assert.Equal([3, 4], relu.Outputs[0].Dims);
        Assert.Equal(12, relu.Flops);
        Assert.Equal(48, relu.ActivationBytes);
        Assert.Equal([1, 4], ModelAnalyzer.Analyze(Branching()).Inputs[0].Dims); // unbound: 1
    }

    [Fact]
    public void Weights_are_initializers_and_constant_tensors_counted_once()
    {
        var cost = ModelAnalyzer.Analyze(Branching());
        Assert.Equal(6 + 5, cost.Parameters);
        Assert.Equal(4 * 11, cost.WeightBytes);
        var identity = cost.Nodes.Single(n => n.Name == "id");
        Assert.Equal(6, identity.Parameters);
        Assert.Equal(24, identity.WeightBytes);
        Assert.Equal(0, cost.Nodes.Single(n => n.Name == "const").ActivationBytes);
    }

    [Fact]
    public void Peak_activation_follows_release_after_last_use()
    {
        // per tensor (N=3, 4) floats = 48 bytes. Order relu, sigmoid, tanh, const, id:
        // x → +a (x still read by sigmoid) 96 → +b 144, x released → 96 → +c 144, a released → 96 → +v 120
        var cost = ModelAnalyzer.Analyze(Branching(), new Dictionary<string, long> { ["N"] = 3 });
        Assert.Equal(144, cost.PeakActivationBytes);
        Assert.Equal(3 * 48 + 24, cost.ActivationBytes); // a, b, c and v; inputs and weights are not produced by nodes
    }

    [Fact]
    public void An_absurd_binding_is_refused_before_allocating()
    {
        var e = Assert.Throws<GraphException>(() => ModelAnalyzer.Analyze(Branching(), new Dictionary<string, long> { ["N"] = 1L << 40 }));
        Assert.Contains("input 'x'", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Given_inputs_replace_the_zeros()
    {
        var x = Tensor.Zeros(new Shape(7, 4));
        var cost = ModelAnalyzer.Analyze(Branching(), inputs: [x]);
        Assert.Equal([7, 4], cost.Outputs[0].Dims);
    }
}
