using Pare.Compression.Quantization;
using Pare.Core;
using Pare.Core.Random;
using Pare.Graph;
using Pare.Graph.Execution;
using Pare.Nn.Export;
using Pare.Nn.Modules;
using Pare.Nn.Presets;
using Pare.Onnx;

namespace Pare.Compression.Tests.Quantization;

/// <summary>The quantization pass on exported presets: what it writes, that Pare re-imports and runs it, and that the
/// outputs stay close to fp32.</summary>
public class QuantizationPassTests
{
    private static Model Export(Module module, int channels = 1, int size = 28)
    {
        module.Eval();
        return OnnxExport.ToModel(module, "image", ElementType.Float, [Dim.Symbol("batch"), Dim.Of(channels), Dim.Of(size), Dim.Of(size)], "logits");
    }

    private static List<Tensor[]> Batches(int count, int channels = 1, int size = 28, ulong seed = 3)
    {
        var rng = new Rng(seed);
        return [.. Enumerable.Range(0, count).Select(_ => new[] { Tensor.Normal([8, channels, size, size], 0, 1, rng) })];
    }

    /// <summary>Runs <paramref name="model"/> after a round trip through ONNX bytes (Pare re-imports its export).</summary>
    private static float[] RunReloaded(Model model, Tensor input) =>
        new InferenceSession(OnnxModel.Parse(OnnxModel.ToBytes(model), "quantized.onnx")).Run([input])[0].Contiguous().AsSpan<float>().ToArray();

    internal static double RelativeDiff(float[] a, float[] b)
    {
        double num = 0, den = 0;
        for (var i = 0; i < a.Length; i++) { num += (a[i] - b[i]) * (double)(a[i] - b[i]); den += a[i] * (double)a[i]; }
        return Math.Sqrt(num / den);
    }

    [Fact]
    public void StaticW8A8WritesQdqAndStaysClose()
    {
        var fp32 = Export(ImageClassifiers.Cnn(new Rng(1)));
        var batches = Batches(2);
        var (q, record) = QuantizationPass.Run(fp32, new QuantizationOptions(QuantizationMode.Static), batches);
        Assert.Equal(4, record.Layers.Count);
        Assert.True(record.CalibratedActivations > 0);
        Assert.Contains(q.Graph.Nodes, n => n.OpType == "QuantizeLinear");
        var weights = q.Graph.Initializers.Where(kv => kv.Key.EndsWith("_quantized", StringComparison.Ordinal)).ToList();
        Assert.Equal(4, weights.Count);
        Assert.All(weights, kv => Assert.Equal(DType.Int8, kv.Value.DType));
        var x = Batches(1, seed: 9)[0][0];
        var expected = new InferenceSession(fp32).Run([x])[0].Contiguous().AsSpan<float>().ToArray();
        Assert.True(RelativeDiff(expected, RunReloaded(q, x)) < 0.05);
        Assert.True(OnnxModel.ToBytes(q).Length < 0.3 * OnnxModel.ToBytes(fp32).Length);
    }

    [Fact]
    public void BatchNormsAreFoldedBeforeWeightQuantization()
    {
        var fp32 = Export(new ResNetSmall(new Rng(2)), channels: 3, size: 16);
        var (q, record) = QuantizationPass.Run(fp32, new QuantizationOptions(QuantizationMode.WeightOnly));
        Assert.True(record.FoldedBatchNorms > 0);
        Assert.DoesNotContain(q.Graph.Nodes, n => n.OpType == "BatchNormalization");
        var x = Batches(1, channels: 3, size: 16)[0][0];
        var expected = new InferenceSession(fp32).Run([x])[0].Contiguous().AsSpan<float>().ToArray();
        Assert.True(RelativeDiff(expected, RunReloaded(q, x)) < 0.05);
    }

    [Fact]
    public void Int4GroupWiseBecomesMatMulNBitsWithPackedWeights()
    {
        var fp32 = Export(ImageClassifiers.Mlp(new Rng(4)));
        var (q, record) = QuantizationPass.Run(fp32, new QuantizationOptions(QuantizationMode.WeightOnly, Bits: 4, Granularity.Group, GroupSize: 32));
        var nbits = q.Graph.Nodes.Where(n => n.OpType == "MatMulNBits").ToList();
        Assert.NotEmpty(nbits);
        Assert.All(nbits, n => Assert.Equal("com.microsoft", n.Domain));
        Assert.All(nbits, n => Assert.Equal(DType.UInt8, q.Graph.Initializers[n.Inputs[1]].DType));
        Assert.Contains("com.microsoft", q.Opsets.Keys);
        Assert.All(record.Layers, l => Assert.True(l.WeightBytes < l.FloatBytes / 6));
        Assert.True(OnnxModel.ToBytes(q).Length < 0.18 * OnnxModel.ToBytes(fp32).Length);
    }

    [Fact]
    public void DynamicModeUsesMatMulIntegerAndStaysClose()
    {
        var fp32 = Export(ImageClassifiers.Mlp(new Rng(5)));
        var (q, _) = QuantizationPass.Run(fp32, new QuantizationOptions(QuantizationMode.Dynamic));
        Assert.Contains(q.Graph.Nodes, n => n.OpType == "MatMulInteger");
        Assert.Contains(q.Graph.Nodes, n => n.OpType == "DynamicQuantizeLinear");
        var x = Batches(1)[0][0];
        var expected = new InferenceSession(fp32).Run([x])[0].Contiguous().AsSpan<float>().ToArray();
        Assert.True(RelativeDiff(expected, RunReloaded(q, x)) < 0.05);
    }

    [Fact]
    public void StaticModeWithoutCalibrationDataIsRefused()
    {
        var fp32 = Export(ImageClassifiers.Mlp(new Rng(6)));
        var e = Assert.Throws<QuantizationException>(() => QuantizationPass.Run(fp32, new QuantizationOptions(QuantizationMode.Static)));
        Assert.Contains("calibration", e.Message, StringComparison.Ordinal);
        Assert.Throws<QuantizationException>(() => QuantizationPass.Run(fp32, new QuantizationOptions(QuantizationMode.Static, Bits: 4), Batches(1)));
    }
}

/// <summary>Data-free calibration from BatchNorm statistics.</summary>
public class DataFreeCalibrationTests
{
    [Fact]
    public void OptimizingTheInputLowersTheBatchNormStatisticsLoss()
    {
        var module = new ResNetSmall(new Rng(2));
        module.Eval();
        var model = OnnxExport.ToModel(module, "image", ElementType.Float, [Dim.Symbol("batch"), Dim.Of(3), Dim.Of(8), Dim.Of(8)], "logits");
        var losses = new List<double>();
        var batches = DataFreeCalibration.Synthesize(model, batches: 1, batchSize: 4, steps: 15, progress: (_, l) => losses.Add(l));
        Assert.Single(batches);
        Assert.Equal(new Shape(4, 3, 8, 8), batches[0][0].Shape);
        Assert.True(losses[^1] < losses[0], $"loss {losses[0]} → {losses[^1]}");
        var (q, record) = QuantizationPass.Run(model, new QuantizationOptions(QuantizationMode.Static), batches);
        Assert.True(record.CalibratedActivations > 0);
        Assert.Contains(q.Graph.Nodes, n => n.OpType == "QuantizeLinear");
    }

    [Theory]
    [InlineData(DataFreeObjective.BatchNormStatistics)]
    [InlineData(DataFreeObjective.ClassLogits)]
    public void TheInputGradientMatchesFiniteDifferences(DataFreeObjective objective)
    {
        var module = new ResNetSmall(new Rng(2));
        module.Eval();
        var model = OnnxExport.ToModel(module, "image", ElementType.Float, [Dim.Symbol("batch"), Dim.Of(3), Dim.Of(8), Dim.Of(8)], "logits");
        var x = Tensor.Normal([4, 3, 8, 8], 0, 1, new Rng(3)).Contiguous().AsSpan<float>().ToArray();
        var (_, grad) = DataFreeCalibration.LossAndGradient(model, Tensor.Wrap(x, new Shape(4, 3, 8, 8)), objective);
        foreach (var i in new[] { 0, 77, 191, 500, 767 })
        {
            const float h = 1e-2f;
            double At(float v)
            {
                var y = (float[])x.Clone();
                y[i] = v;
                return DataFreeCalibration.LossAndGradient(model, Tensor.Wrap(y, new Shape(4, 3, 8, 8)), objective).Loss;
            }
            var numeric = (At(x[i] + h) - At(x[i] - h)) / (2 * h);
            Assert.True(Math.Abs(numeric - grad[i]) <= 2e-3 + 0.05 * Math.Abs(numeric), $"pixel {i}: analytic {grad[i]}, numeric {numeric}");
        }
    }

    [Fact]
    public void TheClassLogitBaselineNeedsNoBatchNorm()
    {
        var module = ImageClassifiers.Cnn(new Rng(1));
        module.Eval();
        var model = OnnxExport.ToModel(module, "image", ElementType.Float, [Dim.Symbol("batch"), Dim.Of(1), Dim.Of(28), Dim.Of(28)], "logits");
        var losses = new List<double>();
        var batches = DataFreeCalibration.Synthesize(model, batches: 1, batchSize: 10, steps: 60, progress: (_, l) => losses.Add(l), objective: DataFreeObjective.ClassLogits);
        Assert.True(losses[^1] < losses[0], $"loss {losses[0]} → {losses[^1]}");
        var logits = new InferenceSession(model).Run(batches[0])[0].ToArray<float>();
        for (var i = 0; i < 10; i++) // sample i now scores class i highest
            Assert.Equal(i, Array.IndexOf(logits, logits.Skip(i * 10).Take(10).Max(), i * 10) - i * 10);
    }

    [Fact]
    public void AModelWithoutBatchNormIsRefused()
    {
        var module = ImageClassifiers.Cnn(new Rng(1));
        module.Eval();
        var model = OnnxExport.ToModel(module, "image", ElementType.Float, [Dim.Symbol("batch"), Dim.Of(1), Dim.Of(28), Dim.Of(28)], "logits");
        Assert.Throws<QuantizationException>(() => DataFreeCalibration.Synthesize(model, steps: 1));
    }
}

/// <summary>Mixed precision to a byte budget.</summary>
public class BudgetAllocationTests
{
    private static (Model, List<Tensor[]>) Mlp()
    {
        var module = ImageClassifiers.Mlp(new Rng(8));
        module.Eval();
        var model = OnnxExport.ToModel(module, "image", ElementType.Float, [Dim.Symbol("batch"), Dim.Of(1), Dim.Of(28), Dim.Of(28)], "logits");
        return (model, [[Tensor.Normal([4, 1, 28, 28], 0, 1, new Rng(1))]]);
    }

    [Fact]
    public void TheWrittenFileMeetsTheBudget()
    {
        var (model, batches) = Mlp();
        var fp32 = OnnxModel.ToBytes(model).Length;
        var options = new QuantizationOptions(QuantizationMode.WeightOnly, Granularity: Granularity.Group);
        var allocation = BudgetAllocation.Allocate(model, options, (long)(0.4 * fp32), batches);
        var (q, _) = QuantizationPass.Run(model, options with { LayerBits = allocation.LayerBits });
        Assert.Equal(allocation.Bytes, OnnxModel.ToBytes(q).Length);
        Assert.True(allocation.Bytes <= 0.4 * fp32);
    }

    [Fact]
    public void WeightOnlyWithBiasCorrectionGetsItsBatchesWhileAllocating()
    {
        // regression: the allocation quantized weight-only candidates without batches, so bias correction threw
        var (model, batches) = Mlp();
        var fp32 = OnnxModel.ToBytes(model).Length;
        var options = new QuantizationOptions(QuantizationMode.WeightOnly, Granularity: Granularity.Group, BiasCorrection: true);
        var allocation = BudgetAllocation.Allocate(model, options, (long)(0.4 * fp32), batches);
        Assert.True(allocation.Bytes <= 0.4 * fp32);
    }

    [Fact]
    public void DynamicModeOffersNoFourBitStep()
    {
        // MatMulNBits is not written in dynamic mode, so a 4-bit candidate there would save nothing
        var (model, batches) = Mlp();
        var options = new QuantizationOptions(QuantizationMode.Dynamic, Granularity: Granularity.Group);
        var allocation = BudgetAllocation.Allocate(model, options, OnnxModel.ToBytes(model).Length / 2, batches);
        Assert.All(allocation.LayerBits.Values, b => Assert.True(b is 8 or 32, $"bits {b}"));
    }

    [Fact]
    public void AnImpossibleBudgetListsTheNearestFeasibleSizes()
    {
        var (model, batches) = Mlp();
        var options = new QuantizationOptions(QuantizationMode.WeightOnly, Granularity: Granularity.Group);
        var e = Assert.Throws<BudgetUnmetException>(() => BudgetAllocation.Allocate(model, options, 1000, batches));
        Assert.NotEmpty(e.Nearest);
        Assert.All(e.Nearest, a => Assert.True(a.Bytes > 1000));
        Assert.Contains("nearest feasible", e.Message, StringComparison.Ordinal);
    }

    /// <summary>x·W0, then an If whose branches multiply by their own Constant weights (as Silero VAD stores its
    /// layers): two thirds of the weights live inside the branches.</summary>
    private static (Model, List<Tensor[]>) BranchedModel()
    {
        var rng = new Rng(5);
        ModelGraph Branch(string name)
        {
            var b = new ModelGraph { Name = name };
            var w = new Node($"{name}_w", "Constant", [], [$"{name}_w"]);
            w.Attributes.Set("value", AttributeValue.Of(Tensor.Normal([64, 64], 0, 0.1f, rng)));
            b.Nodes.Add(w);
            b.Nodes.Add(new Node($"{name}_mm", "MatMul", ["h", $"{name}_w"], [$"{name}_y"]));
            b.Outputs.Add(new ValueInfo($"{name}_y", ElementType.Float, null));
            return b;
        }
        var g = new ModelGraph { Name = "branched" };
        g.Inputs.Add(new ValueInfo("cond", ElementType.Bool, []));
        g.Inputs.Add(new ValueInfo("x", ElementType.Float, [Dim.Symbol("batch"), Dim.Of(64)]));
        g.Initializers["w0"] = Tensor.Normal([64, 64], 0, 0.1f, rng);
        g.Nodes.Add(new Node("mm0", "MatMul", ["x", "w0"], ["h"]));
        var node = new Node("if", "If", ["cond"], ["y"]);
        node.Attributes.Set("then_branch", AttributeValue.Of(Branch("then")));
        node.Attributes.Set("else_branch", AttributeValue.Of(Branch("else")));
        g.Nodes.Add(node);
        g.Outputs.Add(new ValueInfo("y", ElementType.Float, null));
        return (new Model(g), [[Tensor.Wrap([true], default), Tensor.Normal([8, 64], 0, 1, new Rng(6))]]);
    }

    [Fact]
    public void LayersInsideIfBranchesCountTowardTheBudget()
    {
        // W0 alone at 4 bits leaves the file at ~70 % of fp32: 40 % is reachable only by quantizing the branches too
        var (model, batches) = BranchedModel();
        var fp32 = OnnxModel.ToBytes(model).Length;
        var options = new QuantizationOptions(QuantizationMode.WeightOnly, Granularity: Granularity.Group);
        var allocation = BudgetAllocation.Allocate(model, options, (long)(0.4 * fp32), batches);
        Assert.Equal(8, allocation.LayerBits["then_mm"]);
        Assert.Equal(8, allocation.LayerBits["else_mm"]);
        var (q, _) = QuantizationPass.Run(model, options with { LayerBits = allocation.LayerBits });
        var bytes = OnnxModel.ToBytes(q);
        Assert.Equal(allocation.Bytes, bytes.Length);
        Assert.True(allocation.Bytes <= 0.4 * fp32);
        var expected = new InferenceSession(model).Run(batches[0])[0].ToArray<float>();
        var actual = new InferenceSession(OnnxModel.Parse(bytes, "q.onnx")).Run(batches[0])[0].ToArray<float>();
        Assert.True(QuantizationPassTests.RelativeDiff(expected, actual) < 0.05);
    }

    [Fact]
    public void ExcludedLayersStayFloatAndTheBudgetAccountsForThem()
    {
        // regression: --exclude was applied after the allocation, so the written file could exceed --max-size
        var (model, batches) = BranchedModel();
        var fp32 = OnnxModel.ToBytes(model).Length;
        var options = new QuantizationOptions(QuantizationMode.WeightOnly, Granularity: Granularity.Group,
            LayerBits: new Dictionary<string, int> { ["then_mm"] = 32 });
        var allocation = BudgetAllocation.Allocate(model, options, (long)(0.6 * fp32), batches);
        Assert.Equal(32, allocation.LayerBits["then_mm"]);
        var (q, _) = QuantizationPass.Run(model, options with { LayerBits = allocation.LayerBits });
        Assert.True(OnnxModel.ToBytes(q).Length <= 0.6 * fp32);
        Assert.Throws<BudgetUnmetException>(() => BudgetAllocation.Allocate(model, options, (long)(0.4 * fp32), batches));
    }
}
