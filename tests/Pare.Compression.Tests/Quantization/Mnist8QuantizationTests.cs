using System.IO.Compression;
using Pare.Compression.Quantization;
using Pare.Core;
using Pare.Graph.Execution;
using Pare.Onnx;
using Pare.Tests;

namespace Pare.Compression.Tests.Quantization;

/// <summary>mnist-8 (ONNX model zoo) static W8A8, calibrated on MNIST training images, on the MNIST test set.</summary>
public class Mnist8QuantizationTests
{
    private const string Model = "shared/models/onnx-small/mnist-8.onnx";
    private const string Train = "shared/data/mnist10k/train10k-images-idx3-ubyte.gz";
    private const string Test = "shared/data/mnist/t10k-images-idx3-ubyte.gz";
    private const string Labels = "shared/data/mnist/t10k-labels-idx1-ubyte.gz";

    private static byte[] Idx(string path, int header)
    {
        using var gz = new GZipStream(File.OpenRead(Paths.Resolve(path)), CompressionMode.Decompress);
        using var ms = new MemoryStream();
        gz.CopyTo(ms);
        return ms.ToArray()[header..];
    }

    private static Tensor Image(byte[] pixels, int i) =>
        Tensor.Wrap(pixels.AsSpan(i * 784, 784).ToArray().Select(p => (float)p).ToArray(), new Shape(1, 1, 28, 28));

    [SharedDataFact(Model, Train, Test, Labels)]
    public void StaticW8A8KeepsAccuracyOnTheFirst1000TestImages()
    {
        var fp32 = OnnxModel.Load(Paths.Resolve(Model));
        var train = Idx(Train, 16);
        var calibration = Enumerable.Range(0, 64).Select(i => new[] { Image(train, i * 97) }).ToList();
        var (q, _) = QuantizationPass.Run(fp32, new QuantizationOptions(QuantizationMode.Static), calibration);
        var quantized = new InferenceSession(OnnxModel.Parse(OnnxModel.ToBytes(q)));
        var reference = new InferenceSession(fp32);
        var test = Idx(Test, 16);
        var labels = Idx(Labels, 8);
        int correctFp32 = 0, correctQ = 0;
        const int n = 1000;
        for (var i = 0; i < n; i++)
        {
            var x = Image(test, i);
            correctFp32 += ArgMax(reference.Run([x])[0]) == labels[i] ? 1 : 0;
            correctQ += ArgMax(quantized.Run([x])[0]) == labels[i] ? 1 : 0;
        }
        Assert.True(correctQ >= correctFp32 - 3, $"fp32 {correctFp32}/{n}, W8A8 {correctQ}/{n}");
    }

    private static int ArgMax(Tensor t)
    {
        var y = t.Contiguous().AsSpan<float>();
        var best = 0;
        for (var c = 1; c < y.Length; c++) if (y[c] > y[best]) best = c;
        return best;
    }
}
