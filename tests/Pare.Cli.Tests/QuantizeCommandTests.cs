using Pare.Core;
using Pare.Core.Random;
using Pare.Graph;
using Pare.Onnx;

namespace Pare.Cli.Tests;

/// <summary><c>pare quantize</c>'s summary: per-layer rows, then bytes, output agreement and latency before/after.</summary>
[Collection("cli")]
public sealed class QuantizeCommandTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "pare-quantize-cli-" + Guid.NewGuid().ToString("N"));
    private readonly string _model;
    private readonly string _calib;

    public QuantizeCommandTests()
    {
        Directory.CreateDirectory(_dir);
        var rng = new Rng(4);
        var g = new ModelGraph { Name = "linear" };
        g.Inputs.Add(new ValueInfo("x", ElementType.Float, [Dim.Symbol("batch"), Dim.Of(16)]));
        g.Initializers["W"] = Tensor.Normal([16, 5], 0, 1, rng);
        g.Nodes.Add(new Node("fc", "MatMul", ["x", "W"], ["y"]));
        g.Outputs.Add(new ValueInfo("y", ElementType.Float, [Dim.Symbol("batch"), Dim.Of(5)]));
        _model = Path.Combine(_dir, "linear.onnx");
        OnnxModel.Save(new Model(g), _model);
        _calib = Path.Combine(_dir, "calib");
        for (var b = 0; b < 2; b++)
        {
            var set = Path.Combine(_calib, $"test_data_set_{b}");
            Directory.CreateDirectory(set);
            TensorFile.Write(Path.Combine(set, "input_0.pb"), Tensor.Uniform([8, 16], 0, 2, rng), "x");
        }
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void Summary_lists_bytes_agreement_and_latency_with_bias_correction()
    {
        var output = new StringWriter();
        var error = new StringWriter();
        var target = Path.Combine(_dir, "q.onnx");
        var code = PareApp.Run(["quantize", _model, "--out", target, "--mode", "weight-only", "--calib", _calib,
            "--bias-correction", "--latency-runs", "3", "--threads", "1"], output, error);
        Assert.True(code == ExitCodes.Ok, error.ToString());
        var text = output.ToString();
        Assert.Contains("fc", text, StringComparison.Ordinal);
        Assert.Contains("file bytes", text, StringComparison.Ordinal);
        Assert.Contains("argmax agreement", text, StringComparison.Ordinal);
        Assert.Contains("latency p50 (3 runs)", text, StringComparison.Ordinal);
        Assert.Contains("1 biases corrected", text, StringComparison.Ordinal);
        Assert.True(File.Exists(target));
    }

    [Fact]
    public void Summary_without_inputs_says_how_to_get_agreement()
    {
        var output = new StringWriter();
        var code = PareApp.Run(["quantize", _model, "--out", Path.Combine(_dir, "w.onnx"), "--mode", "weight-only"], output, new StringWriter());
        Assert.Equal(ExitCodes.Ok, code);
        Assert.Contains("give --calib or --data-free", output.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain("latency p50", output.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Accuracy_target_prints_sensitivity_and_the_search()
    {
        var output = new StringWriter();
        var error = new StringWriter();
        // a target no int8 layer meets (0 difference): the one layer is measured, then kept in float
        var code = PareApp.Run(["quantize", _model, "--out", Path.Combine(_dir, "t.onnx"), "--mode", "weight-only", "--calib", _calib,
            "--sensitivity", "--target-max-diff", "0", "--weight-clipping", "mse", "--latency-runs", "1", "--threads", "1"], output, error);
        Assert.True(code == ExitCodes.Ok, error.ToString());
        var text = output.ToString();
        Assert.Contains("quantized", text, StringComparison.Ordinal);
        Assert.Contains("accuracy search: 0 layers in float", text, StringComparison.Ordinal);
        Assert.Contains("kept in float (most sensitive first): fc", text, StringComparison.Ordinal);
    }

    [Fact]
    public void A_budget_and_an_accuracy_target_together_are_refused()
    {
        var error = new StringWriter();
        var target = Path.Combine(_dir, "both.onnx");
        var code = PareApp.Run(["quantize", _model, "--out", target, "--mode", "weight-only", "--calib", _calib,
            "--max-size", "100KB", "--target-max-diff", "0.01"], new StringWriter(), error);
        Assert.Equal(ExitCodes.Usage, code);
        Assert.Contains("--max-size or an accuracy target", error.ToString(), StringComparison.Ordinal);
        Assert.False(File.Exists(target));
    }

    [Fact]
    public void Accuracy_target_without_inputs_is_refused()
    {
        var error = new StringWriter();
        var code = PareApp.Run(["quantize", _model, "--out", Path.Combine(_dir, "n.onnx"), "--target-max-diff", "0.01"], new StringWriter(), error);
        Assert.NotEqual(ExitCodes.Ok, code);
        Assert.Contains("--calib", error.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Data_free_needs_batch_norm_unless_the_logit_objective_is_chosen()
    {
        // this linear model has no BatchNorm: the BatchNorm objective is refused by name, the class-logit one runs
        var error = new StringWriter();
        var code = PareApp.Run(["quantize", _model, "--out", Path.Combine(_dir, "bn.onnx"), "--data-free"], new StringWriter(), error);
        Assert.Equal(ExitCodes.Usage, code); // a setting that does not fit the model, like every QuantizationException
        Assert.Contains("BatchNormalization", error.ToString(), StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(_dir, "bn.onnx")));

        error = new StringWriter();
        code = PareApp.Run(["quantize", _model, "--out", Path.Combine(_dir, "bad.onnx"), "--data-free", "--data-free-objective", "pixels"], new StringWriter(), error);
        Assert.Equal(ExitCodes.Usage, code);
        Assert.Contains("--data-free-objective must be bn or logits", error.ToString(), StringComparison.Ordinal);

        error = new StringWriter();
        var target = Path.Combine(_dir, "logits.onnx");
        code = PareApp.Run(["quantize", _model, "--out", target, "--data-free", "--data-free-objective", "logits", "--data-free-batches", "1",
            "--data-free-steps", "5", "--latency-runs", "1", "--threads", "1"], new StringWriter(), error);
        Assert.True(code == ExitCodes.Ok, error.ToString());
        Assert.True(File.Exists(target));
    }
}
