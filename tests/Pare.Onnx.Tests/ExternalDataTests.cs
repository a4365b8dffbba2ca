using Pare.Core;
using Pare.Core.Random;
using Pare.Graph;
using Pare.Graph.Execution;

namespace Pare.Onnx.Tests;

/// <summary>Models whose weights live in an external data file (how ONNX stores models over 2 GB) are written and
/// read back with identical outputs.</summary>
public sealed class ExternalDataTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("pare-external-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void WeightsMovedToAnExternalFileRoundTrip()
    {
        var rng = new Rng(4);
        var g = new ModelGraph { Name = "mm" };
        g.Inputs.Add(new ValueInfo("x", ElementType.Float, [Dim.Of(2), Dim.Of(64)]));
        g.Initializers["w"] = Tensor.Normal([64, 32], 0, 1, rng);
        g.Initializers["b"] = Tensor.Normal([32], 0, 1, rng);
        g.Nodes.Add(new Node("mm", "MatMul", ["x", "w"], ["h"]));
        g.Nodes.Add(new Node("add", "Add", ["h", "b"], ["y"]));
        g.Outputs.Add(new ValueInfo("y", ElementType.Float, [Dim.Of(2), Dim.Of(32)]));
        var model = new Model(g);
        var path = Path.Combine(_dir, "mm.onnx");

        OnnxModel.Save(model, path, externalAbove: 0);

        Assert.True(File.Exists(path + ".data"));
        Assert.Equal(64 * 32 * 4, new FileInfo(path + ".data").Length); // w only: b is under 1 KiB and stays inline
        Assert.True(new FileInfo(path).Length < 64 * 32 * 4);
        var x = Tensor.Normal([2, 64], 0, 1, rng);
        var expected = new InferenceSession(model).Run([x])[0].ToArray<float>();
        var reloaded = OnnxModel.Load(path);
        Assert.Equal(expected, new InferenceSession(reloaded).Run([x])[0].ToArray<float>());
        Assert.Equal(g.Initializers["w"].ToArray<float>(), reloaded.Graph.Initializers["w"].ToArray<float>());
    }
}
