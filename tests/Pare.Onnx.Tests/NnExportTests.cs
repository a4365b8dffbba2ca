using Pare.Core;
using Pare.Core.Random;
using Pare.Graph;
using Pare.Graph.Execution;
using Pare.Nn.Export;
using Pare.Nn.Modules;
using Pare.Nn.Presets;
using Pare.Onnx.Conformance;

namespace Pare.Onnx.Tests;

/// <summary>Every preset the layers build exports to ONNX, re-imports, and computes what the module computes.</summary>
public class NnExportTests
{
    public static TheoryData<string> Presets => ["mlp", "cnn", "cnn-bn", "resnet-small", "gpt-char", "transformer-cls"];

    private static (Module Model, Tensor Input, string InputName, ElementType Type, Dim[] Shape) Build(string name)
    {
        var rng = new Rng(7);
        var data = new Rng(11);
        return name switch
        {
            "mlp" => (ImageClassifiers.Mlp(rng), Tensor.Normal([3, 1, 28, 28], 0, 1, data), "image", ElementType.Float, [Dim.Symbol("batch"), Dim.Of(1), Dim.Of(28), Dim.Of(28)]),
            "cnn" => (ImageClassifiers.Cnn(rng), Tensor.Normal([3, 1, 28, 28], 0, 1, data), "image", ElementType.Float, [Dim.Symbol("batch"), Dim.Of(1), Dim.Of(28), Dim.Of(28)]),
            "cnn-bn" => (ImageClassifiers.CnnBn(rng), Tensor.Normal([3, 1, 28, 28], 0, 1, data), "image", ElementType.Float, [Dim.Symbol("batch"), Dim.Of(1), Dim.Of(28), Dim.Of(28)]),
            "resnet-small" => (new ResNetSmall(rng), Tensor.Normal([2, 3, 32, 32], 0, 1, data), "image", ElementType.Float, [Dim.Symbol("batch"), Dim.Of(3), Dim.Of(32), Dim.Of(32)]),
            "gpt-char" => (new GptChar(rng, layers: 2), Ids(data, 2, 16, 65, 0), "tokens", ElementType.Int64, [Dim.Symbol("batch"), Dim.Symbol("time")]),
            _ => (new TransformerClassifier(rng, vocab: 50), Ids(data, 2, 12, 50, 3), "words", ElementType.Int64, [Dim.Symbol("batch"), Dim.Symbol("time")]),
        };
    }

    /// <summary>Random ids in [1, vocab) with the last <paramref name="padding"/> positions of row 0 set to 0.</summary>
    private static Tensor Ids(Rng rng, int b, int t, int vocab, int padding)
    {
        var ids = new long[b * t];
        for (var i = 0; i < ids.Length; i++) ids[i] = 1 + (long)(rng.NextFloat() * (vocab - 1));
        for (var j = t - padding; j < t; j++) ids[j] = 0;
        return Tensor.Wrap(ids, new Shape(b, t));
    }

    [Theory]
    [MemberData(nameof(Presets))]
    public void ExportRunsLikeTheModule(string name)
    {
        var (module, input, inputName, type, shape) = Build(name);
        module.Eval();
        Tensor expected;
        using (Pare.Core.Autograd.Tape.NoGrad()) expected = module.Forward(input);

        var model = OnnxExport.ToModel(module, inputName, type, shape, "logits");
        var bytes = OnnxModel.ToBytes(model);
        var reloaded = OnnxModel.Parse(bytes, $"{name}.onnx");
        var actual = new InferenceSession(reloaded).Run([input])[0];

        Assert.Null(ConformanceRunner.Compare(actual, expected, rtol: 1e-4, atol: 1e-5));
        // weights keep their state-dict names
        foreach (var key in module.StateDict().Keys.Where(k => !k.EndsWith("num_batches_tracked", StringComparison.Ordinal)))
            Assert.True(reloaded.Graph.Initializers.ContainsKey(key), $"weight {key} is not an initializer of the export");
        // a round trip through ONNX bytes changes nothing
        Assert.Equal(bytes, OnnxModel.ToBytes(reloaded));
    }
}
