using Pare.Compression.Quantization;
using Pare.Core;
using Pare.Core.Random;
using Pare.Graph;

namespace Pare.Compression.Tests.Quantization;

/// <summary>Sensitivity analysis and accuracy-driven fallback on a synthetic 3-layer MLP where one layer cannot be
/// quantized well per channel (each output column has one huge weight on a dead input, so int8 rounds its other
/// weights to zero).</summary>
public class AccuracyDrivenQuantizationTests
{
    private const int Width = 32;

    private static Model Mlp(Rng rng)
    {
        var g = new ModelGraph { Name = "mlp" };
        g.Inputs.Add(new ValueInfo("x", ElementType.Float, [Dim.Symbol("n"), Dim.Of(Width)]));
        // fc1 reads feature 0 (always 0: fc0's column 0 is zero) with weights 1500× the rest, so per-column int8 spends
        // its range on them and rounds every useful weight of fc1 to zero; fc0 and fc2 quantize well
        var w0 = Tensor.Normal([Width, Width], 0, 0.2f, rng).ToArray<float>();
        for (var i = 0; i < Width; i++) w0[i * Width] = 0;
        var outlier = Tensor.Normal([Width, Width], 0, 0.2f, rng).ToArray<float>();
        for (var j = 0; j < Width; j++) outlier[j] = 300f;
        g.Initializers["W0"] = Tensor.Wrap(w0, new Shape(Width, Width));
        g.Initializers["W1"] = Tensor.Wrap(outlier, new Shape(Width, Width));
        g.Initializers["W2"] = Tensor.Normal([Width, 4], 0, 0.2f, rng);
        g.Nodes.Add(new Node("fc0", "MatMul", ["x", "W0"], ["h0"]));
        g.Nodes.Add(new Node("fc1", "MatMul", ["h0", "W1"], ["h1"]));
        g.Nodes.Add(new Node("fc2", "MatMul", ["h1", "W2"], ["y"]));
        g.Outputs.Add(new ValueInfo("y", ElementType.Float, null));
        return new Model(g);
    }

    private static List<Tensor[]> Batches(Rng rng) => [.. Enumerable.Range(0, 3).Select(_ => new[] { Tensor.Normal([16, Width], 0, 1, rng) })];

    [Fact]
    public void SensitivityRanksTheOutlierLayerFirst()
    {
        var rng = new Rng(5);
        var model = Mlp(rng);
        var ranked = SensitivityAnalysis.Measure(model, new QuantizationOptions(QuantizationMode.WeightOnly), Batches(rng));
        Assert.Equal(3, ranked.Count);
        Assert.Equal("fc1", ranked[0].Node);
        Assert.True(ranked[0].Agreement.RelativeError > 10 * ranked[1].Agreement.RelativeError,
            $"fc1 {ranked[0].Agreement.RelativeError} vs {ranked[1].Node} {ranked[1].Agreement.RelativeError}");
    }

    [Fact]
    public void FallbackKeepsOnlyTheSensitiveLayerInFloatAndMeetsTheTarget()
    {
        var rng = new Rng(5);
        var model = Mlp(rng);
        var batches = Batches(rng);
        var options = new QuantizationOptions(QuantizationMode.WeightOnly);
        var reference = OutputAgreement.Outputs(model, batches);
        var (all, _) = QuantizationPass.Run(model, options, batches);
        var fully = OutputAgreement.Compare(reference, OutputAgreement.Outputs(all, batches));
        // a target between "fc1 in float" and "everything int8"
        var target = new AccuracyTarget(MaxAbsDiff: fully.MaxAbsDiff / 20);
        var result = AccuracyDrivenQuantization.Run(model, options, target, batches);
        Assert.Equal(["fc1"], result.Chosen.Float);
        Assert.True(target.IsMet(result.Chosen.Agreement));
        Assert.Contains(result.Chosen, result.Steps);
        // the returned model is the one measured: fc1 keeps its float weight, fc0 and fc2 read int8 ones
        Assert.Equal("W1", result.Model.Graph.Nodes.Single(n => n.Name == "fc1").Inputs[1]);
        Assert.Equal(DType.Int8, result.Model.Graph.Initializers["W0_quantized"].DType);
        Assert.True(target.IsMet(OutputAgreement.Compare(reference, OutputAgreement.Outputs(result.Model, batches))));
    }

    [Fact]
    public void MetTargetQuantizesEverythingWithoutMeasuringSensitivity()
    {
        var rng = new Rng(5);
        var result = AccuracyDrivenQuantization.Run(Mlp(rng), new QuantizationOptions(QuantizationMode.WeightOnly), new AccuracyTarget(MaxAbsDiff: 1e9), Batches(rng));
        Assert.Single(result.Steps);
        Assert.Empty(result.Steps[0].Float);
        Assert.Empty(result.Sensitivity);
    }

    [Fact]
    public void FeedbackRunsTheBatchesAsOneStream()
    {
        // s' = s + x·W: with the state fed back, each output is the running sum, not the single batch's product
        var g = new ModelGraph { Name = "acc" };
        g.Inputs.Add(new ValueInfo("x", ElementType.Float, [Dim.Of(1), Dim.Of(2)]));
        g.Inputs.Add(new ValueInfo("s", ElementType.Float, [Dim.Of(1), Dim.Of(2)]));
        g.Initializers["W"] = Tensor.Wrap(new[] { 1f, 0, 0, 1 }, new Shape(2, 2));
        g.Nodes.Add(new Node("fc", "MatMul", ["x", "W"], ["xw"]));
        g.Nodes.Add(new Node("add", "Add", ["xw", "s"], ["y"]));
        g.Outputs.Add(new ValueInfo("y", ElementType.Float, null));
        var model = new Model(g);
        var batches = Enumerable.Range(1, 3).Select(k => new[] { Tensor.Wrap(new[] { (float)k, 0 }, new Shape(1, 2)), Tensor.Zeros([1, 2]) }).ToList();
        Assert.Equal([1f, 2f, 3f], OutputAgreement.Outputs(model, batches).Select(t => t.ToArray<float>()[0]));
        Assert.Equal([1f, 3f, 6f], OutputAgreement.Outputs(model, batches, [("y", "s")]).Select(t => t.ToArray<float>()[0]));
        var error = Assert.Throws<QuantizationException>(() => OutputAgreement.Outputs(model, batches, [("stateN", "s")]));
        Assert.Contains("stateN", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ArgmaxTargetCountsRows()
    {
        var a = Tensor.Wrap(new[] { 0f, 1, 1, 0 }, new Shape(2, 2));
        var b = Tensor.Wrap(new[] { 0f, 1, 0, 1 }, new Shape(2, 2));
        var agreement = OutputAgreement.Compare([a], [b]);
        Assert.Equal(0.5, agreement.ArgmaxAgreement);
        Assert.False(new AccuracyTarget(MinArgmaxAgreement: 1).IsMet(agreement));
        Assert.True(new AccuracyTarget(MinArgmaxAgreement: 0.5).IsMet(agreement));
    }
}
