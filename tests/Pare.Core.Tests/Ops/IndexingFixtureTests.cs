using Pare.Core.Ops;
using Pare.Core.Tests.Support;

namespace Pare.Core.Tests.Ops;

/// <summary>The indexing and assembly ops against PyTorch (tests/fixtures/gen_indexing.py): forward values and
/// the gradients of Σ out·w.</summary>
public class IndexingFixtureTests
{
    public static TheoryData<string> Cases
    {
        get
        {
            var data = new TheoryData<string>();
            foreach (var c in Fixture.Load("indexing.json")) data.Add(c.Name);
            return data;
        }
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Matches_pytorch(string name)
    {
        var c = Fixture.Load("indexing.json").Single(k => k.Name == name);
        var inputs = c.Inputs.ToDictionary(kv => kv.Key, kv => kv.Value.ToTensor());
        foreach (var t in inputs.Values)
            if (t.DType == DType.Float32 && c.Grads is not null) t.RequiresGrad = true;
        var output = Run(c, inputs);
        Fixture.AssertClose(c.Output, output, $"{name} output");
        if (c.Grads is null) return;
        output.Backward(c.GradWeight!.ToTensor());
        foreach (var (input, expected) in c.Grads)
            Fixture.AssertClose(expected, inputs[input].Grad!, $"{name} d{input}");
    }

    private static Tensor Run(FixtureCase c, Dictionary<string, Tensor> x)
    {
        int Int(string k) => c.Args[k].GetInt32();
        int[] Ints(string k) => c.Args[k].EnumerateArray().Select(e => e.GetInt32()).ToArray();
        Tensor[] Abc() => [x["a"], x["b"], x["c"]];
        return c.Op switch
        {
            "gather" => Indexing.Gather(x["x"], Int("dim"), x["index"]),
            "scatter_add" => Indexing.ScatterAdd(x["x"], Int("dim"), x["index"], x["src"]),
            "index_select" => Indexing.IndexSelect(x["x"], Int("dim"), x["index"]),
            "embedding" => Indexing.Embedding(x["indices"], x["weight"]),
            "one_hot" => Indexing.OneHot(x["indices"], Int("num_classes")),
            "topk" => Indexing.TopK(x["x"], Int("k"), Int("dim"), c.Args["largest"].GetBoolean()).Values,
            "topk_indices" => Indexing.TopK(x["x"], Int("k"), Int("dim"), c.Args["largest"].GetBoolean()).Indices,
            "concat" => Assembly.Concat(Abc(), Int("dim")),
            "stack" => Assembly.Stack(Abc(), Int("dim")),
            "split" => Assembly.Concat(Assembly.Split(x["x"], Ints("sizes"), Int("dim")).Reverse().ToArray(), Int("dim")),
            "pad" => Assembly.Pad(x["x"], Ints("pads"), c.Args["mode"].GetString() switch
            {
                "constant" => PadMode.Constant,
                "reflect" => PadMode.Reflect,
                "replicate" => PadMode.Replicate,
                var m => throw new InvalidDataException($"unknown pad mode {m}"),
            }, (float)c.Args["value"].GetDouble()),
            _ => throw new InvalidDataException($"no runner for op {c.Op}"),
        };
    }

    [Fact]
    public void Fixture_covers_every_indexing_op()
    {
        var ops = Fixture.Load("indexing.json").Select(c => c.Op).ToHashSet();
        foreach (var op in new[] { "gather", "scatter_add", "index_select", "embedding", "one_hot", "topk", "concat", "stack", "split", "pad" })
            Assert.Contains(op, ops);
    }
}
