using Pare.Core;
using Pare.Graph;
using Pare.Graph.Execution;
using Pare.Onnx.Conformance;
using Xunit.Abstractions;

namespace Pare.Onnx.Tests;

/// <summary>ONNX's backend "light" models (AlexNet, DenseNet-121, Inception v1/v2, ResNet-50, ShuffleNet, SqueezeNet,
/// VGG-19, ZFNet-512 with ConstantOfShape weights): run on an all-zero input, as ONNX's reference produced
/// <c>*_output_0.pb</c>, every model Pare supports must match it; models using ops not yet supported are listed.</summary>
public class LightModelTests(ITestOutputHelper output)
{
    private const string Suite = "shared/data/onnx-backend-light-models";

    [SharedDataFact(Suite)]
    [Trait("Category", "Slow")]
    public void NoSupportedLightModelFails()
    {
        var failures = new List<string>();
        foreach (var path in Directory.GetFiles(Paths.Resolve(Suite), "light_*.onnx").Order(StringComparer.Ordinal))
        {
            var name = Path.GetFileNameWithoutExtension(path);
            try
            {
                var session = new InferenceSession(OnnxModel.Load(path));
                var inputs = session.Inputs.Select(Zeros).ToArray();
                var actual = session.Run(inputs)[0];
                var expected = TensorFile.Read(Path.Combine(Path.GetDirectoryName(path)!, name + "_output_0.pb")).Tensor;
                if (ConformanceRunner.Compare(actual, expected) is { } problem) failures.Add($"{name}: {problem}");
                else output.WriteLine($"PASS {name}");
            }
            catch (UnsupportedOpException e)
            {
                output.WriteLine($"SKIP {name}: {e.Message}");
            }
            catch (PareException e)
            {
                failures.Add($"{name}: {e.Message}");
            }
        }
        Assert.True(failures.Count == 0, string.Join("\n", failures));
    }

    private static Tensor Zeros(ValueInfo input)
    {
        var dims = input.Shape?.Select(d => d.Value is { } v ? (int)v : 1).ToArray()
            ?? throw new InvalidOperationException($"input '{input.Name}' has no shape");
        return Tensor.Zeros(new Shape(dims), input.ElementType.ToDType() ?? DType.Float32);
    }
}
