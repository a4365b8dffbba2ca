using Pare.Core;
using Pare.Core.Random;
using Pare.Graph.Execution;

namespace Pare.Graph.Tests;

/// <summary>The executor's per-run scopes (slots, per-node input arrays and contexts built once and reused by later
/// runs): a reused scope gives the same outputs as a fresh session whatever the input shapes (dynamic dims), also
/// through If branches that read enclosing values (one and two graphs up) and Loop bodies run many times; a failed run leaves nothing behind
/// for the next; concurrent runs never share a scope.</summary>
public class GraphRunnerTests
{
    // y = If(cond, then: tanh(relu(x)) + x, else: sigmoid(relu(x))) · 2 — the branches read 'r' and 'x' of the main graph
    private static Model Branching()
    {
        var g = new ModelGraph { Name = "main" };
        g.Inputs.Add(new ValueInfo("cond", ElementType.Bool, null));
        g.Inputs.Add(new ValueInfo("x", ElementType.Float, null));
        g.Initializers["two"] = Tensor.Wrap(new[] { 2f }, new Shape(1));
        g.Nodes.Add(new Node("relu", "Relu", ["x"], ["r"]));
        var then = new ModelGraph { Name = "then" };
        then.Nodes.Add(new Node("t_tanh", "Tanh", ["r"], ["t1"]));
        then.Nodes.Add(new Node("t_add", "Add", ["t1", "x"], ["t"]));
        then.Outputs.Add(new ValueInfo("t", ElementType.Float, null));
        var @else = new ModelGraph { Name = "else" };
        @else.Nodes.Add(new Node("e_sig", "Sigmoid", ["r"], ["e"]));
        @else.Outputs.Add(new ValueInfo("e", ElementType.Float, null));
        var node = new Node("if", "If", ["cond"], ["b"]);
        node.Attributes.Set("then_branch", AttributeValue.Of(then));
        node.Attributes.Set("else_branch", AttributeValue.Of(@else));
        g.Nodes.Add(node);
        g.Nodes.Add(new Node("scale", "Mul", ["b", "two"], ["y"]));
        g.Outputs.Add(new ValueInfo("y", ElementType.Float, null));
        return new Model(g);
    }

    // what a session that has never run gives (its scopes are new): the reference for reused ones, bit for bit
    private static float[] Expected(bool cond, Tensor x) =>
        new InferenceSession(Branching(), optimize: false, reuseBuffers: false).Run([Cond(cond), x])[0].ToArray<float>();

    private static Tensor Cond(bool value) => Tensor.Wrap([value], default);

    private static Tensor Input(int seed, params int[] dims) => Tensor.Uniform(new Shape(dims), -2f, 2f, new Rng((ulong)seed));

    [Fact]
    public void ReusedScopesGiveFreshResultsAcrossShapesAndBranches()
    {
        var session = new InferenceSession(Branching(), optimize: false);
        // dims change from run to run (rank too), and the branch taken alternates: every run reuses the scopes of
        // the one before
        int[][] shapes = [[3], [2, 5], [1, 1, 7], [4, 300], [3], [2, 5]];
        for (var run = 0; run < shapes.Length * 2; run++)
        {
            var cond = run % 3 != 0;
            var x = Input(run, shapes[run % shapes.Length]);
            var y = session.Run([Cond(cond), x])[0];
            Assert.Equal(x.Shape, y.Shape);
            Assert.Equal(Expected(cond, x), y.ToArray<float>());
        }
    }

    [Fact]
    public void RunsReuseTheNodeInputArraysOfTheLastRun()
    {
        var seen = new Dictionary<Node, Tensor?[]>();
        var reused = 0;
        var runner = new GraphRunner(Branching(), training: false)
        {
            Observer = (_, node, inputs, _) =>
            {
                if (seen.TryGetValue(node, out var before) && ReferenceEquals(before, inputs)) reused++;
                seen[node] = inputs;
            },
        };
        runner.Prepare();
        using var _ = Pare.Core.Autograd.Tape.NoGrad();
        runner.Run([Cond(true), Input(1, 4)]);
        Assert.Equal(0, reused);
        runner.Run([Cond(true), Input(2, 6)]);
        // the main graph's three nodes and the then branch's two
        Assert.Equal(5, reused);
    }

    [Fact]
    public void NestedBranchesReadValuesOneAndTwoGraphsUp()
    {
        // main: r = relu(x); If(c1) then { u = tanh(r); If(c2) then { v = u + x } else { v = u · x } → v } else { neg(r) }
        // the inner branches read u (one graph up) and x (two up); their homes are resolved once, then read directly
        var g = new ModelGraph { Name = "main" };
        g.Inputs.Add(new ValueInfo("c1", ElementType.Bool, null));
        g.Inputs.Add(new ValueInfo("c2", ElementType.Bool, null));
        g.Inputs.Add(new ValueInfo("x", ElementType.Float, null));
        g.Nodes.Add(new Node("relu", "Relu", ["x"], ["r"]));
        var innerThen = new ModelGraph { Name = "inner_then" };
        innerThen.Nodes.Add(new Node("it_add", "Add", ["u", "x"], ["v1"]));
        innerThen.Outputs.Add(new ValueInfo("v1", ElementType.Float, null));
        var innerElse = new ModelGraph { Name = "inner_else" };
        innerElse.Nodes.Add(new Node("ie_mul", "Mul", ["u", "x"], ["v2"]));
        innerElse.Outputs.Add(new ValueInfo("v2", ElementType.Float, null));
        var then = new ModelGraph { Name = "then" };
        then.Nodes.Add(new Node("t_tanh", "Tanh", ["r"], ["u"]));
        var inner = new Node("inner_if", "If", ["c2"], ["v"]);
        inner.Attributes.Set("then_branch", AttributeValue.Of(innerThen));
        inner.Attributes.Set("else_branch", AttributeValue.Of(innerElse));
        then.Nodes.Add(inner);
        then.Outputs.Add(new ValueInfo("v", ElementType.Float, null));
        var @else = new ModelGraph { Name = "else" };
        @else.Nodes.Add(new Node("e_neg", "Neg", ["r"], ["n"]));
        @else.Outputs.Add(new ValueInfo("n", ElementType.Float, null));
        var outer = new Node("outer_if", "If", ["c1"], ["y"]);
        outer.Attributes.Set("then_branch", AttributeValue.Of(then));
        outer.Attributes.Set("else_branch", AttributeValue.Of(@else));
        g.Nodes.Add(outer);
        g.Outputs.Add(new ValueInfo("y", ElementType.Float, null));
        var model = new Model(g);

        var session = new InferenceSession(model, optimize: false);
        for (var run = 0; run < 12; run++)
        {
            bool c1 = run % 4 != 3, c2 = run % 2 == 0;
            var x = Input(run, 3 + run % 5);
            var inputs = new[] { Cond(c1), Cond(c2), x };
            var expected = new InferenceSession(model, optimize: false, reuseBuffers: false).Run(inputs)[0].ToArray<float>();
            var r = x.ToArray<float>().Select(v => MathF.Max(v, 0f)).ToArray();
            Assert.Equal(c1 ? expected : r.Select(v => -v).ToArray(), session.Run(inputs)[0].ToArray<float>());
            if (c1)
            {
                // tanh within Pare's approximation: the branch read u and x, not stale or missing values
                var xs = x.ToArray<float>();
                for (var i = 0; i < xs.Length; i++)
                    Assert.Equal(c2 ? MathF.Tanh(r[i]) + xs[i] : MathF.Tanh(r[i]) * xs[i], expected[i], 1e-5f);
            }
        }
    }

    [Fact]
    public void LoopBodyRunsManyTimesInOneRun()
    {
        // body(i, cond, v) → (cond, v · 2): a body scope is taken and given back at every trip
        var g = new ModelGraph { Name = "main" };
        g.Inputs.Add(new ValueInfo("x", ElementType.Float, null));
        g.Initializers["M"] = Tensor.Wrap([5L], default);
        g.Initializers["c"] = Tensor.Wrap([true], default);
        g.Initializers["two"] = Tensor.Wrap(new[] { 2f }, new Shape(1));
        var body = new ModelGraph { Name = "body" };
        foreach (var name in new[] { "i", "cond_in", "v" }) body.Inputs.Add(new ValueInfo(name, ElementType.Undefined, null));
        body.Nodes.Add(new Node("b_id", "Identity", ["cond_in"], ["cond_out"]));
        body.Nodes.Add(new Node("b_mul", "Mul", ["v", "two"], ["v_out"]));
        body.Outputs.Add(new ValueInfo("cond_out", ElementType.Undefined, null));
        body.Outputs.Add(new ValueInfo("v_out", ElementType.Undefined, null));
        var loop = new Node("loop", "Loop", ["M", "c", "x"], ["v_final"]);
        loop.Attributes.Set("body", AttributeValue.Of(body));
        g.Nodes.Add(loop);
        g.Outputs.Add(new ValueInfo("v_final", ElementType.Float, null));
        var session = new InferenceSession(new Model(g), optimize: false);
        for (var run = 0; run < 3; run++)
        {
            var x = Input(run, run + 1, 3);
            Assert.Equal(x.ToArray<float>().Select(v => v * 32f).ToArray(), session.Run([x])[0].ToArray<float>());
        }
    }

    [Fact]
    public void ARunAfterAFailedRunIsCorrect()
    {
        // Reshape to (2, 3): a 5-element input fails inside the run, after Relu has filled its slot. (That the failed
        // run's scope is not handed back is not observable here: the next run writes every slot before reading it.)
        var g = new ModelGraph { Name = "main" };
        g.Inputs.Add(new ValueInfo("x", ElementType.Float, null));
        g.Initializers["shape"] = Tensor.Wrap(new long[] { 2, 3 }, new Shape(2));
        g.Nodes.Add(new Node("relu", "Relu", ["x"], ["r"]));
        g.Nodes.Add(new Node("reshape", "Reshape", ["r", "shape"], ["y"]));
        g.Outputs.Add(new ValueInfo("y", ElementType.Float, null));
        var session = new InferenceSession(new Model(g), optimize: false);
        Assert.Throws<GraphException>(() => session.Run([Input(1, 5)]));
        var x = Input(2, 6);
        var y = session.Run([x])[0];
        Assert.Equal(x.ToArray<float>().Select(v => MathF.Max(v, 0f)).ToArray(), y.ToArray<float>());
        Assert.Equal([2, 3], y.Shape.Dims.ToArray());
    }

    [Fact]
    public void ConcurrentRunsWithBranchesAndChangingShapesAreCorrect()
    {
        var session = new InferenceSession(Branching(), optimize: false);
        var inputs = Enumerable.Range(0, 6).Select(i => Input(50 + i, 2, 64 + 7 * i)).ToArray();
        var expected = new[] { false, true }.Select(cond => inputs.Select(x => Expected(cond, x)).ToArray()).ToArray();
        var failures = 0;
        var threads = Enumerable.Range(0, 2).Select(t => new Thread(() =>
        {
            for (var k = 0; k < 200; k++)
            {
                var i = (k * 5 + t) % inputs.Length;
                var cond = (k + t) % 2 == 0;
                var got = session.Run([Cond(cond), inputs[i]])[0].ToArray<float>();
                if (!got.SequenceEqual(expected[cond ? 1 : 0][i])) Interlocked.Increment(ref failures);
            }
        })).ToArray();
        foreach (var thread in threads) thread.Start();
        foreach (var thread in threads) thread.Join();
        Assert.Equal(0, failures);
    }
}
