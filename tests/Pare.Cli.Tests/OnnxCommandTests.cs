using System.Text.Json;
using Pare.Core;
using Pare.Graph;
using Pare.Onnx;

namespace Pare.Cli.Tests;

/// <summary><c>pare inspect</c>, <c>pare run</c> and <c>pare bench</c> on a small model written here, and their exit
/// codes for broken and unsupported files.</summary>
[Collection("cli")]
public sealed class OnnxCommandTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "pare-onnx-cli-" + Guid.NewGuid().ToString("N"));
    private readonly string _model;
    private readonly string _inputs;

    public OnnxCommandTests()
    {
        Directory.CreateDirectory(_dir);
        var g = new ModelGraph { Name = "tiny" };
        g.Inputs.Add(new ValueInfo("x", ElementType.Float, [Dim.Symbol("batch"), Dim.Of(4)]));
        g.Nodes.Add(new Node("act", "Relu", ["x"], ["h"]));
        g.Nodes.Add(new Node("squash", "Sigmoid", ["h"], ["y"]));
        g.Outputs.Add(new ValueInfo("y", ElementType.Float, [Dim.Symbol("batch"), Dim.Of(4)]));
        _model = Path.Combine(_dir, "tiny.onnx");
        OnnxModel.Save(new Model(g), _model);
        _inputs = Path.Combine(_dir, "in");
        Directory.CreateDirectory(_inputs);
        TensorFile.Write(Path.Combine(_inputs, "input_0.pb"), Tensor.FromSpan<float>([-1f, 0f, 1f, 2f, -3f, 4f, 0.5f, -0.5f], new Shape(2, 4)), "x");
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static (int Code, string Out, string Err) Pare(params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        var code = PareApp.Run(args, output, error);
        return (code, output.ToString(), error.ToString());
    }

    [Fact]
    public void Inspect_prints_a_row_per_node_and_totals()
    {
        var (code, output, error) = Pare("inspect", _model, "--dim", "batch=5");
        Assert.True(code == ExitCodes.Ok, error);
        Assert.Contains("act", output, StringComparison.Ordinal);
        Assert.Contains("Sigmoid", output, StringComparison.Ordinal);
        Assert.Contains("[5,4]", output, StringComparison.Ordinal);
        Assert.Contains("total", output, StringComparison.Ordinal);
    }

    [Fact]
    public void Inspect_json_has_nodes_and_totals()
    {
        var (code, output, error) = Pare("inspect", _model, "--json", "--dim", "batch=3");
        Assert.True(code == ExitCodes.Ok, error);
        using var doc = JsonDocument.Parse(output);
        var nodes = doc.RootElement.GetProperty("nodes");
        Assert.Equal(2, nodes.GetArrayLength());
        Assert.Equal("Relu", nodes[0].GetProperty("op").GetString());
        Assert.Equal(12, nodes[0].GetProperty("flops").GetInt64());
        var totals = doc.RootElement.GetProperty("totals");
        Assert.Equal(0, totals.GetProperty("params").GetInt64());
        Assert.Equal(2 * 48, totals.GetProperty("activation_bytes").GetInt64());
        // 48 B per tensor: x and h alive after act (96), x released, then h and y after squash (96)
        Assert.Equal(96, totals.GetProperty("peak_activation_bytes").GetInt64());
    }

    [Fact]
    public void Run_writes_outputs_named_as_the_model_outputs()
    {
        var outDir = Path.Combine(_dir, "out");
        var (code, _, error) = Pare("run", _model, "--inputs", _inputs, "--out", outDir);
        Assert.True(code == ExitCodes.Ok, error);
        var (name, y) = TensorFile.Read(Path.Combine(outDir, "output_0.pb"));
        Assert.Equal("y", name);
        Assert.Equal(new Shape(2, 4), y.Shape);
        Assert.Equal(0.5f, y.AsSpan<float>()[0]);
        Assert.Equal(1f / (1f + MathF.Exp(-2f)), y.AsSpan<float>()[3], 6);
        Assert.Empty(Directory.GetFiles(outDir, "*.tmp*"));
    }

    [Fact]
    public void Run_no_optimize_runs_the_graph_as_written_with_the_same_results()
    {
        var optimized = Path.Combine(_dir, "opt");
        var asWritten = Path.Combine(_dir, "noopt");
        Assert.Equal(ExitCodes.Ok, Pare("run", _model, "--inputs", _inputs, "--out", optimized).Code);
        var (code, _, error) = Pare("run", _model, "--inputs", _inputs, "--out", asWritten, "--no-optimize");
        Assert.True(code == ExitCodes.Ok, error);
        var a = TensorFile.Read(Path.Combine(optimized, "output_0.pb")).Tensor.AsSpan<float>().ToArray();
        var b = TensorFile.Read(Path.Combine(asWritten, "output_0.pb")).Tensor.AsSpan<float>().ToArray();
        Assert.Equal(a, b); // the tiny graph has nothing the optimizer may round differently
    }

    [Fact]
    public void Bench_json_row_pairs_with_ort_bench()
    {
        var (code, output, error) = Pare("bench", _model, "--inputs", _inputs, "--threads", "1", "--runs", "5", "--warmup", "1", "--json");
        Assert.True(code == ExitCodes.Ok, error);
        using var row = JsonDocument.Parse(output.TrimEnd().Split('\n')[^1]);
        Assert.Equal("tiny.onnx", row.RootElement.GetProperty("name").GetString()); // ort_bench.js names rows by file name
        Assert.True(row.RootElement.GetProperty("ms").GetDouble() > 0);
        Assert.True(row.RootElement.GetProperty("p95").GetDouble() >= row.RootElement.GetProperty("ms").GetDouble());
        Assert.Equal(1, row.RootElement.GetProperty("threads").GetInt32());
    }

    [Fact]
    public void A_corrupt_model_exits_with_bad_input_naming_the_file()
    {
        var bad = Path.Combine(_dir, "bad.onnx");
        File.WriteAllBytes(bad, File.ReadAllBytes(_model)[..20]);
        foreach (var command in new[] { "inspect", "run", "bench" })
        {
            string[] args = command == "inspect" ? [command, bad] : [command, bad, "--inputs", _inputs, "--out", _dir];
            if (command == "bench") args = [command, bad, "--inputs", _inputs];
            var (code, _, error) = Pare(args);
            Assert.Equal(ExitCodes.BadInput, code);
            Assert.Contains("bad.onnx", error, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void An_unsupported_op_exits_with_unsupported_naming_the_node()
    {
        var model = OnnxModel.Load(_model);
        model.Graph.Nodes[1].OpType = "NoSuchOp";
        var path = Path.Combine(_dir, "unsupported.onnx");
        OnnxModel.Save(model, path);
        var (code, _, error) = Pare("run", path, "--inputs", _inputs, "--out", Path.Combine(_dir, "o"));
        Assert.Equal(ExitCodes.Unsupported, code);
        Assert.Contains("squash", error, StringComparison.Ordinal);
    }

    [Fact]
    public void Missing_inputs_and_bad_dims_have_their_exit_codes()
    {
        var empty = Path.Combine(_dir, "empty");
        Directory.CreateDirectory(empty);
        var (code, _, error) = Pare("run", _model, "--inputs", empty, "--out", Path.Combine(_dir, "o"));
        Assert.Equal(ExitCodes.BadInput, code);
        Assert.Contains("input_0.pb", error, StringComparison.Ordinal);
        Assert.Equal(ExitCodes.Usage, Pare("inspect", _model, "--dim", "batch").Code);
    }
}
