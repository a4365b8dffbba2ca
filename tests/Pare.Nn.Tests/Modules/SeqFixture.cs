using System.Text.Json;
using Pare.Core;
using Pare.Nn.Modules;

namespace Pare.Nn.Tests.Modules;

/// <summary>Reads tests/fixtures/gen_seq.py's output and fills parameters with its formula.</summary>
internal static class SeqFixture
{
    public static readonly JsonElement Root =
        JsonDocument.Parse(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Fixtures", "seq.json"))).RootElement;

    public static JsonElement Case(string name) => Root.GetProperty("cases").EnumerateArray().Single(c => c.GetProperty("name").GetString() == name);

    public static int[] Shape(JsonElement t) => t.GetProperty("shape").EnumerateArray().Select(v => v.GetInt32()).ToArray();

    public static float[] Floats(JsonElement t) => t.GetProperty("data").EnumerateArray().Select(v => (float)v.GetDouble()).ToArray();

    public static Tensor Input(JsonElement c, string name, bool grad = true)
    {
        var t = c.GetProperty("inputs").GetProperty(name);
        var x = Tensor.FromSpan<float>(Floats(t), Shape(t));
        x.RequiresGrad = grad;
        return x;
    }

    public static Tensor Ids(JsonElement c, string name)
    {
        var t = c.GetProperty("inputs").GetProperty(name);
        return Tensor.FromSpan<long>(t.GetProperty("data").EnumerateArray().Select(v => v.GetInt64()).ToArray(), Shape(t));
    }

    public static Tensor Mask(JsonElement c, string name)
    {
        var t = c.GetProperty("inputs").GetProperty(name);
        return Tensor.FromSpan<bool>(t.GetProperty("data").EnumerateArray().Select(v => v.GetInt64() != 0).ToArray(), Shape(t));
    }

    // The same formula as fill() in gen_seq.py, so parameters need not be stored.
    public static Tensor Fill(string name, int[] shape)
    {
        int n = shape.Aggregate(1, (a, b) => a * b);
        double phase = name.Sum(ch => (int)ch) * 0.01;
        double scale = shape.Length == 1 ? 0.1 : 1 / Math.Sqrt(shape.Skip(1).Aggregate(1, (a, b) => a * b));
        double bias = shape.Length == 1 && name.EndsWith("weight", StringComparison.Ordinal) ? 1 : 0;
        var v = new float[n];
        for (int i = 0; i < n; i++) v[i] = (float)(bias + scale * Math.Sin(0.618 * i + phase));
        return Tensor.Wrap(v, new Shape(shape));
    }

    /// <summary>Checks the module's parameter names and shapes equal PyTorch's, then loads the formula values.</summary>
    public static void Load(Module m, JsonElement c)
    {
        var expected = c.GetProperty("params").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.EnumerateArray().Select(v => v.GetInt32()).ToArray());
        var state = m.StateDict();
        foreach (var (name, tensor) in m.NamedBuffers()) expected.TryAdd(name, tensor.Shape.Dims.ToArray());
        var values = expected.ToDictionary(e => e.Key, e => state.TryGetValue(e.Key, out var s) && m.NamedBuffers().Any(b => b.Name == e.Key) ? s : Fill(e.Key, e.Value));
        m.LoadStateDict(values);
        Assert.Equal(c.GetProperty("param_count").GetInt64(), m.ParameterCount);
    }

    /// <summary>Σ_k sum(out_k · w_k), the loss whose gradients the fixture holds; also checks the outputs.</summary>
    public static Tensor Loss(JsonElement c, Tensor[] outs, float tolerance)
    {
        var expect = c.GetProperty("outputs").EnumerateArray().ToArray();
        var weights = c.GetProperty("weights").EnumerateArray().ToArray();
        Assert.Equal(expect.Length, outs.Length);
        Tensor? loss = null;
        for (int k = 0; k < outs.Length; k++)
        {
            Assert.Equal(Shape(expect[k]), outs[k].Shape.Dims.ToArray());
            AssertClose(Floats(expect[k]), outs[k].ToArray<float>(), tolerance, $"output {k}");
            var w = Tensor.FromSpan<float>(Floats(weights[k]), Shape(weights[k]));
            var term = Pare.Core.Ops.Reduce.Sum(Pare.Core.Ops.Elementwise.Mul(outs[k], w));
            loss = loss is null ? term : Pare.Core.Ops.Elementwise.Add(loss, term);
        }
        return loss!;
    }

    /// <summary>Compares gradients of the named parameters and inputs with the fixture's.</summary>
    public static void AssertGrads(JsonElement c, IReadOnlyDictionary<string, Tensor> tensors, float tolerance)
    {
        bool full = c.GetProperty("full").GetBoolean();
        foreach (var g in c.GetProperty("grads").EnumerateObject())
        {
            var grad = tensors[g.Name].Grad;
            Assert.True(grad is not null, $"no gradient for {g.Name}");
            var actual = grad!.ToArray<float>();
            if (full)
            {
                AssertClose(Floats(g.Value), actual, tolerance, $"grad {g.Name}");
                continue;
            }
            var idx = g.Value.GetProperty("index").EnumerateArray().Select(v => v.GetInt32()).ToArray();
            var vals = g.Value.GetProperty("values").EnumerateArray().Select(v => (float)v.GetDouble()).ToArray();
            AssertClose(vals, idx.Select(i => actual[i]).ToArray(), tolerance, $"grad samples {g.Name}");
            double sum = actual.Sum(v => (double)v), sumsq = actual.Sum(v => (double)v * v);
            double eSum = g.Value.GetProperty("sum").GetDouble(), eSq = g.Value.GetProperty("sumsq").GetDouble();
            Assert.True(Math.Abs(sum - eSum) <= tolerance * (1 + Math.Sqrt(eSq * actual.Length)), $"grad sum {g.Name}: {sum} vs {eSum}");
            Assert.True(Math.Abs(sumsq - eSq) <= 2 * tolerance * (1 + eSq), $"grad sum of squares {g.Name}: {sumsq} vs {eSq}");
        }
    }

    public static void AssertClose(float[] expected, float[] actual, float tolerance, string what)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
            Assert.True(Math.Abs(expected[i] - actual[i]) <= tolerance * (1 + Math.Abs(expected[i])),
                $"{what}[{i}]: expected {expected[i]}, got {actual[i]}");
    }
}
