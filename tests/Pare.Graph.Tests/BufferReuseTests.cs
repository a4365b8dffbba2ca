using Pare.Core;
using Pare.Core.Random;
using Pare.Graph.Execution;

namespace Pare.Graph.Tests;

/// <summary>The inference executor's buffer reuse: with it on, every output equals the output with it off (same
/// kernels, so bit for bit), also on graphs whose values alias each other's arrays; outputs handed out stay intact
/// after later runs; the pool stays bounded when shapes change; concurrent runs on one session stay correct.</summary>
public class BufferReuseTests
{
    // Aliasing on purpose: r is a view of a (Reshape) and a is read again after it; r is read by two nodes; i is
    // an Identity of b and a graph output; e is a graph output that a later node (f) reads; d adds c to itself.
    private static Model Aliasing()
    {
        var g = new ModelGraph { Name = "aliasing" };
        g.Inputs.Add(new ValueInfo("x", ElementType.Float, null));
        g.Initializers["shape"] = Tensor.Wrap(new long[] { 2, -1 }, new Shape(2));
        void Add(string op, string[] inputs, string output) => g.Nodes.Add(new Node($"n_{output}", op, inputs, [output]));
        Add("Relu", ["x"], "a");
        Add("Reshape", ["a", "shape"], "r");
        Add("Sigmoid", ["r"], "b");
        Add("Exp", ["r"], "g1");
        Add("Tanh", ["a"], "c");
        Add("Identity", ["b"], "i");
        Add("Add", ["c", "c"], "d");
        Add("Mul", ["d", "a"], "e");
        Add("Neg", ["e"], "f");
        Add("Add", ["g1", "b"], "h");
        foreach (var o in new[] { "i", "e", "f", "h" }) g.Outputs.Add(new ValueInfo(o, ElementType.Float, null));
        return new Model(g);
    }

    // A chain of elementwise ops on one large input: every intermediate has the input's size.
    private static Model Chain()
    {
        var g = new ModelGraph { Name = "chain" };
        g.Inputs.Add(new ValueInfo("x", ElementType.Float, null));
        string[] ops = ["Relu", "Sigmoid", "Tanh", "Neg", "Exp"];
        var previous = "x";
        for (var i = 0; i < ops.Length; i++)
        {
            g.Nodes.Add(new Node($"n{i}", ops[i], [previous], [$"v{i}"]));
            previous = $"v{i}";
        }
        g.Outputs.Add(new ValueInfo(previous, ElementType.Float, null));
        return new Model(g);
    }

    private const int ChainLength = 5;

    // inputs are large enough (≥ TensorMemory.MinRentBytes per value) for the intermediates to be rented
    private static Tensor Input(int seed, params int[] dims) => Tensor.Uniform(new Shape(dims), -2f, 2f, new Rng((ulong)seed));

    private static float[][] Values(Tensor[] outputs) => [.. outputs.Select(o => o.ToArray<float>())];

    [Fact]
    public void ReuseGivesTheSameOutputsOnAliasingValues()
    {
        var plain = new InferenceSession(Aliasing(), optimize: false, reuseBuffers: false);
        var reused = new InferenceSession(Aliasing(), optimize: false, reuseBuffers: true);
        for (var run = 0; run < 4; run++)
        {
            var x = Input(run, 2, 3, 64);
            Assert.Equal(Values(plain.Run([x])), Values(reused.Run([x])));
        }
        Assert.True(reused.BufferPool!.PooledArrays > 0, "dead intermediates were given back to the pool");
    }

    [Fact]
    public void OutputsOfAnEarlierRunAreNotOverwritten()
    {
        var session = new InferenceSession(Aliasing(), optimize: false);
        var first = session.Run([Input(1, 2, 3, 64)]);
        var kept = Values(first);
        for (var run = 2; run < 6; run++) session.Run([Input(run, 2, 3, 64)]);
        Assert.Equal(kept, Values(first));
    }

    [Fact]
    public void InputsAndInitializersAreNeverRecycled()
    {
        var model = Aliasing();
        var shape = model.Graph.Initializers["shape"].ToArray<long>();
        var session = new InferenceSession(model, optimize: false);
        var x = Input(7, 2, 3, 64);
        var before = x.ToArray<float>();
        for (var run = 0; run < 3; run++) session.Run([x]);
        Assert.Equal(before, x.ToArray<float>());
        Assert.Equal(shape, session.Model.Graph.Initializers["shape"].ToArray<long>());
    }

    [Fact]
    public void ReuseCutsWhatARunAllocates()
    {
        const int n = 1 << 16;
        var x = Input(3, n);
        var plain = new InferenceSession(Chain(), optimize: false, reuseBuffers: false);
        var reused = new InferenceSession(Chain(), optimize: false, reuseBuffers: true);
        plain.Run([x]);
        reused.Run([x]);
        var plainBytes = AllocatedBy(() => plain.Run([x]));
        var reusedBytes = AllocatedBy(() => reused.Run([x]));
        // without reuse every intermediate is a fresh n-float array; with it only the output is
        Assert.True(plainBytes >= ChainLength * n * sizeof(float), $"plain run allocated {plainBytes} bytes");
        Assert.True(reusedBytes < 2 * n * sizeof(float), $"run with reuse allocated {reusedBytes} bytes");
    }

    private static long AllocatedBy(Action action)
    {
        var start = GC.GetAllocatedBytesForCurrentThread();
        action();
        return GC.GetAllocatedBytesForCurrentThread() - start;
    }

    [Fact]
    public void PoolStaysBoundedWhenShapesChange()
    {
        var session = new InferenceSession(Chain(), optimize: false);
        var pool = session.BufferPool!;
        for (var run = 0; run < 30; run++)
        {
            var n = 1000 + 137 * run;
            session.Run([Input(run, n)]);
            // only arrays of this run's size survive it: at most one per intermediate
            Assert.InRange(pool.PooledBytes, 1, (long)ChainLength * n * sizeof(float));
            Assert.Equal(0, pool.PooledBytes % (n * sizeof(float)));
        }
    }

    [Fact]
    public void ConcurrentRunsOnOneSessionAreCorrect()
    {
        var plain = new InferenceSession(Aliasing(), optimize: false, reuseBuffers: false);
        var session = new InferenceSession(Aliasing(), optimize: false);
        var inputs = Enumerable.Range(0, 8).Select(i => Input(100 + i, 2, 3, 64 + i % 3)).ToArray();
        var expected = inputs.Select(x => Values(plain.Run([x]))).ToArray();
        var failures = 0;
        var threads = Enumerable.Range(0, 2).Select(t => new Thread(() =>
        {
            for (var k = 0; k < 200; k++)
            {
                var i = (k * 3 + t) % inputs.Length;
                var got = Values(session.Run([inputs[i]]));
                for (var o = 0; o < got.Length; o++)
                    if (!got[o].SequenceEqual(expected[i][o])) Interlocked.Increment(ref failures);
            }
        })).ToArray();
        foreach (var thread in threads) thread.Start();
        foreach (var thread in threads) thread.Join();
        Assert.Equal(0, failures);
    }
}
