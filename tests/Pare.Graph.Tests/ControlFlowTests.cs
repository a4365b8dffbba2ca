using Pare.Core;
using Pare.Core.Random;
using Pare.Graph.Execution;

namespace Pare.Graph.Tests;

/// <summary>If, Loop and Scan: branch choice, subgraphs reading values of the enclosing graph (which must stay alive
/// until the control-flow node has run), loop-carried values, scan outputs and their axes and directions.</summary>
public class ControlFlowTests
{
    private static ModelGraph Body(string name, string[] inputs, string[] outputs, params (string Op, string In, string Out)[] nodes)
    {
        var g = new ModelGraph { Name = name };
        foreach (var i in inputs) g.Inputs.Add(new ValueInfo(i, ElementType.Undefined, null));
        foreach (var (op, input, output) in nodes) g.Nodes.Add(new Node($"{name}_{output}", op, [input], [output]));
        foreach (var o in outputs) g.Outputs.Add(new ValueInfo(o, ElementType.Undefined, null));
        return g;
    }

    private static float[] Map(Tensor x, Func<float, float> f) => x.ToArray<float>().Select(f).ToArray();

    private static float Tanh(float v) => MathF.Tanh(v);

    private static float Sigmoid(float v) => 1f / (1f + MathF.Exp(-v));

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void IfRunsTheChosenBranchOnOuterValues(bool cond)
    {
        var g = new ModelGraph { Name = "main" };
        g.Inputs.Add(new ValueInfo("cond", ElementType.Bool, null));
        g.Inputs.Add(new ValueInfo("x", ElementType.Float, null));
        g.Nodes.Add(new Node("relu", "Relu", ["x"], ["outer"])); // read only inside the branches
        var node = new Node("if", "If", ["cond"], ["y"]);
        node.Attributes.Set("then_branch", AttributeValue.Of(Body("then", [], ["t"], ("Tanh", "outer", "t"))));
        node.Attributes.Set("else_branch", AttributeValue.Of(Body("else", [], ["e"], ("Sigmoid", "outer", "e"))));
        g.Nodes.Add(node);
        g.Outputs.Add(new ValueInfo("y", ElementType.Float, null));

        var x = Tensor.FromSpan<float>([-1f, 0.5f, 2f]);
        var y = new InferenceSession(new Model(g)).Run([Tensor.Wrap([cond], default), x])[0];
        var relu = Tensor.FromSpan<float>([0f, 0.5f, 2f]);
        Assert.Equal(cond ? Map(relu, Tanh) : Map(relu, Sigmoid), y.ToArray<float>());
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void TrainingGradientsFlowThroughTheTakenBranch(bool cond)
    {
        // then: y = x·w, else: y = x + w, where w is a main-graph initializer read inside the branch
        var g = new ModelGraph { Name = "main" };
        g.Inputs.Add(new ValueInfo("cond", ElementType.Bool, null));
        g.Inputs.Add(new ValueInfo("x", ElementType.Float, null));
        g.Initializers["w"] = Tensor.FromSpan<float>([0.5f, -2f]);
        var then = new ModelGraph { Name = "then" };
        then.Nodes.Add(new Node("mul", "Mul", ["x", "w"], ["t"]));
        then.Outputs.Add(new ValueInfo("t", ElementType.Float, null));
        var otherwise = new ModelGraph { Name = "else" };
        otherwise.Nodes.Add(new Node("add", "Add", ["x", "w"], ["e"]));
        otherwise.Outputs.Add(new ValueInfo("e", ElementType.Float, null));
        var node = new Node("if", "If", ["cond"], ["y"]);
        node.Attributes.Set("then_branch", AttributeValue.Of(then));
        node.Attributes.Set("else_branch", AttributeValue.Of(otherwise));
        g.Nodes.Add(node);
        g.Outputs.Add(new ValueInfo("y", ElementType.Float, null));

        var session = new TrainingSession(new Model(g));
        Pare.Core.Ops.Reduce.Sum(session.Forward([Tensor.Wrap([cond], default), Tensor.FromSpan<float>([3f, 4f])])[0]).Backward();
        Assert.Equal(cond ? [3f, 4f] : new[] { 1f, 1f }, session.Parameters["w"].Grad!.ToArray<float>());
    }

    [Fact]
    public void TrainingGradientsFlowThroughLoopCarriedValues()
    {
        // three trips of v ← v·w: y = x·w³, dΣy/dw = 3·x·w²
        var g = new ModelGraph { Name = "main" };
        g.Inputs.Add(new ValueInfo("x", ElementType.Float, null));
        g.Initializers["w"] = Tensor.FromSpan<float>([0.5f, -2f]);
        g.Initializers["M"] = Tensor.Wrap([3L], default);
        var body = new ModelGraph { Name = "body" };
        foreach (var i in new[] { "i", "c", "v" }) body.Inputs.Add(new ValueInfo(i, ElementType.Undefined, null));
        body.Nodes.Add(new Node("keep", "Identity", ["c"], ["c_out"]));
        body.Nodes.Add(new Node("mul", "Mul", ["v", "w"], ["v_out"]));
        body.Outputs.Add(new ValueInfo("c_out", ElementType.Bool, null));
        body.Outputs.Add(new ValueInfo("v_out", ElementType.Float, null));
        var loop = new Node("loop", "Loop", ["M", "", "x"], ["y"]);
        loop.Attributes.Set("body", AttributeValue.Of(body));
        g.Nodes.Add(loop);
        g.Outputs.Add(new ValueInfo("y", ElementType.Float, null));

        var session = new TrainingSession(new Model(g));
        var y = session.Forward([Tensor.FromSpan<float>([3f, 4f])])[0];
        Assert.Equal([3f * 0.125f, 4f * -8f], y.ToArray<float>());
        Pare.Core.Ops.Reduce.Sum(y).Backward();
        Assert.Equal([3 * 3f * 0.25f, 3 * 4f * 4f], session.Parameters["w"].Grad!.ToArray<float>());
    }

    [Fact]
    public void IfBranchWithWrongOutputCountFails()
    {
        var g = new ModelGraph { Name = "main" };
        g.Inputs.Add(new ValueInfo("cond", ElementType.Bool, null));
        g.Inputs.Add(new ValueInfo("x", ElementType.Float, null));
        var node = new Node("if", "If", ["cond"], ["y", "z"]);
        node.Attributes.Set("then_branch", AttributeValue.Of(Body("then", [], ["t"], ("Tanh", "x", "t"))));
        node.Attributes.Set("else_branch", AttributeValue.Of(Body("else", [], ["t"], ("Tanh", "x", "t"))));
        g.Nodes.Add(node);
        g.Outputs.Add(new ValueInfo("y", ElementType.Float, null));
        var e = Assert.Throws<GraphException>(() => new InferenceSession(new Model(g)).Run([Tensor.Wrap([true], default), Tensor.Zeros([2])]));
        Assert.Contains("'if'", e.Message);
        Assert.Contains("1 outputs", e.Message);
    }

    [Theory]
    [InlineData(3)]
    [InlineData(0)]
    public void LoopCarriesValuesAndStacksScanOutputs(long trips)
    {
        // body(i, cond, v) → (cond, tanh(v), sigmoid(outer)) where 'outer' belongs to the main graph
        var g = new ModelGraph { Name = "main" };
        g.Inputs.Add(new ValueInfo("x", ElementType.Float, null));
        g.Initializers["M"] = Tensor.Wrap([trips], default);
        g.Initializers["c"] = Tensor.Wrap([true], default);
        g.Nodes.Add(new Node("relu", "Relu", ["x"], ["outer"]));
        var body = Body("body", ["i", "cond_in", "v"], ["cond_out", "v_out", "scan"],
            ("Identity", "cond_in", "cond_out"), ("Tanh", "v", "v_out"), ("Sigmoid", "outer", "scan"));
        var loop = new Node("loop", "Loop", ["M", "c", "x"], ["v_final", "scans"]);
        loop.Attributes.Set("body", AttributeValue.Of(body));
        g.Nodes.Add(loop);
        g.Outputs.Add(new ValueInfo("v_final", ElementType.Float, null));
        g.Outputs.Add(new ValueInfo("scans", ElementType.Float, null));

        var x = Tensor.FromSpan<float>([-1f, 0.5f]);
        var outputs = new InferenceSession(new Model(g)).Run([x]);
        var expected = x.ToArray<float>();
        for (int i = 0; i < trips; i++) expected = expected.Select(Tanh).ToArray();
        Assert.Equal(expected, outputs[0].ToArray<float>());
        Assert.Equal(trips == 0 ? [0] : new[] { (int)trips, 2 }, outputs[1].Shape.Dims.ToArray());
        var sig = new[] { Sigmoid(0f), Sigmoid(0.5f) };
        Assert.Equal(Enumerable.Repeat(sig, (int)trips).SelectMany(s => s).ToArray(), outputs[1].ToArray<float>());
    }

    [Fact]
    public void LoopWithoutTripCountOrConditionFails()
    {
        var g = new ModelGraph { Name = "main" };
        g.Inputs.Add(new ValueInfo("x", ElementType.Float, null));
        var loop = new Node("loop", "Loop", ["", "", "x"], ["v"]);
        loop.Attributes.Set("body", AttributeValue.Of(Body("body", ["i", "c", "v"], ["c_out", "v_out"], ("Identity", "c", "c_out"), ("Tanh", "v", "v_out"))));
        g.Nodes.Add(loop);
        g.Outputs.Add(new ValueInfo("v", ElementType.Float, null));
        var e = Assert.Throws<GraphException>(() => new InferenceSession(new Model(g)).Run([Tensor.Zeros([2])]));
        Assert.Contains("never end", e.Message);
    }

    [Fact]
    public void ScanReversedInputAlongAxis1StacksOutputsOnAxis1()
    {
        // body(s, x_t) → (tanh(x_t), s): the scan output is the state before each step
        var g = new ModelGraph { Name = "main" };
        g.Inputs.Add(new ValueInfo("s0", ElementType.Float, null));
        g.Inputs.Add(new ValueInfo("xs", ElementType.Float, null));
        var scan = new Node("scan", "Scan", ["s0", "xs"], ["s_final", "trace"]);
        scan.Attributes.Set("body", AttributeValue.Of(Body("body", ["s", "x_t"], ["s_out", "prev"], ("Tanh", "x_t", "s_out"), ("Identity", "s", "prev"))));
        scan.Attributes.Set("num_scan_inputs", AttributeValue.Of(1L));
        scan.Attributes.Set("scan_input_axes", AttributeValue.Of([1L]));
        scan.Attributes.Set("scan_input_directions", AttributeValue.Of([1L]));
        scan.Attributes.Set("scan_output_axes", AttributeValue.Of([-1L]));
        g.Nodes.Add(scan);
        g.Outputs.Add(new ValueInfo("s_final", ElementType.Float, null));
        g.Outputs.Add(new ValueInfo("trace", ElementType.Float, null));

        var rng = new Rng(5);
        var xs = Tensor.Normal([2, 3], 0, 1, rng); // scanned along axis 1, last column first
        var s0 = Tensor.FromSpan<float>([0.25f, -0.5f]);
        var outputs = new InferenceSession(new Model(g)).Run([s0, xs]);
        float T(int row, int col) => Tanh(xs[row, col]);
        Assert.Equal([T(0, 0), T(1, 0)], outputs[0].ToArray<float>());
        // trace[:, t] = state before step t: s0, tanh(x[:, 2]), tanh(x[:, 1])
        Assert.Equal([2, 3], outputs[1].Shape.Dims.ToArray());
        Assert.Equal([0.25f, T(0, 2), T(0, 1), -0.5f, T(1, 2), T(1, 1)], outputs[1].ToArray<float>());
    }
}
