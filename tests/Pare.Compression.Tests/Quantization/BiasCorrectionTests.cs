using Pare.Compression.Quantization;
using Pare.Core;
using Pare.Core.Random;
using Pare.Graph;
using Pare.Graph.Execution;

namespace Pare.Compression.Tests.Quantization;

/// <summary>Bias correction removes the per-channel output mean shift that weight quantization causes.</summary>
public class BiasCorrectionTests
{
    private const int In = 24, Out = 6, Rows = 64;

    // One linear layer y = x·W (MatMul, no bias) or a 1×1... 3×3 conv without padding, so the correction is exact
    // on the calibration inputs up to float rounding.
    private static Model Layer(string op, Rng rng)
    {
        var g = new ModelGraph { Name = "layer" };
        if (op == "MatMul")
        {
            g.Inputs.Add(new ValueInfo("x", ElementType.Float, [Dim.Symbol("n"), Dim.Of(In)]));
            g.Initializers["W"] = Tensor.Normal([In, Out], 0, 1, rng);
            g.Nodes.Add(new Node("layer", "MatMul", ["x", "W"], ["y"]));
        }
        else
        {
            g.Inputs.Add(new ValueInfo("x", ElementType.Float, [Dim.Symbol("n"), Dim.Of(4), Dim.Of(8), Dim.Of(8)]));
            g.Initializers["W"] = Tensor.Normal([Out, 4, 3, 3], 0, 1, rng);
            g.Initializers["B"] = Tensor.Normal([Out], 0, 1, rng);
            g.Nodes.Add(new Node("layer", "Conv", ["x", "W", "B"], ["y"]));
        }
        g.Outputs.Add(new ValueInfo("y", ElementType.Float, null));
        return new Model(g);
    }

    // Inputs with a large positive mean (as after a ReLU), which is what turns weight error into a mean shift.
    private static List<Tensor[]> Inputs(string op, Rng rng) =>
        [.. Enumerable.Range(0, 4).Select(_ => new[] { Tensor.Uniform(op == "MatMul" ? [Rows, In] : [8, 4, 8, 8], 0, 4, rng) })];

    /// <summary>max over output channels of |mean(y_q) − mean(y_fp32)| on <paramref name="batches"/>.</summary>
    private static double MeanError(Model fp32, Model q, List<Tensor[]> batches, int channelAxis)
    {
        var (a, b) = (new InferenceSession(fp32), new InferenceSession(q));
        var diff = new double[Out];
        long count = 0;
        foreach (var x in batches)
        {
            var (y, yq) = (a.Run(x)[0], b.Run(x)[0]);
            var (v, vq) = (y.ToArray<float>(), yq.ToArray<float>());
            var inner = channelAxis == 1 && y.Shape.Rank == 4 ? y.Shape[2] * y.Shape[3] : 1;
            for (var i = 0; i < v.Length; i++) diff[i / inner % Out] += vq[i] - v[i];
            count += v.Length / Out;
        }
        return diff.Max(d => Math.Abs(d / count));
    }

    [Theory]
    [InlineData("MatMul")]
    [InlineData("Conv")]
    public void CorrectionShrinksTheOutputMeanErrorOfPerTensorWeights(string op)
    {
        var rng = new Rng(5);
        var fp32 = Layer(op, rng);
        var batches = Inputs(op, rng);
        // per-tensor 8-bit weights: coarse enough that the mean shift is clearly measurable
        var options = new QuantizationOptions(QuantizationMode.WeightOnly, Granularity: Granularity.Tensor);
        var (plain, _) = QuantizationPass.Run(fp32, options, batches);
        var (corrected, record) = QuantizationPass.Run(fp32, options with { BiasCorrection = true }, batches);
        Assert.Equal(1, record.BiasCorrected);
        var axis = op == "MatMul" ? -1 : 1;
        double before = MeanError(fp32, plain, batches, axis), after = MeanError(fp32, corrected, batches, axis);
        Assert.True(before > 1e-3, $"the uncorrected shift should be measurable, got {before}");
        // exact up to float rounding on the calibration inputs themselves
        Assert.True(after < 0.05 * before, $"mean error {before} → {after}");
    }

    [Fact]
    public void CorrectionWithoutCalibrationDataIsRefused()
    {
        var fp32 = Layer("MatMul", new Rng(1));
        var e = Assert.Throws<QuantizationException>(() =>
            QuantizationPass.Run(fp32, new QuantizationOptions(QuantizationMode.WeightOnly) { BiasCorrection = true }));
        Assert.Contains("bias correction", e.Message);
    }
}
