using Pare.Core;
using Pare.Graph.Execution;
using Pare.Nn.Data;
using Pare.Onnx.Conformance;

namespace Pare.Onnx.Tests;

/// <summary>The real models of ../shared/models reproduce their reference outputs (computed with ONNX Runtime),
/// and ONNX's backend "light" model topologies reproduce theirs.</summary>
public class RealModelTests
{
    private const string Models = "shared/models";
    private const string Light = "shared/data/onnx-backend-light-models";

    /// <summary>Runs every test_data_set_N under <paramref name="referenceDir"/> and compares all outputs.</summary>
    private static void MatchesReference(string modelPath, string referenceDir, double rtol, double atol)
    {
        var session = new InferenceSession(OnnxModel.Load(Paths.Resolve(modelPath)));
        var sets = Directory.GetDirectories(Paths.Resolve(referenceDir), "test_data_set_*").Order(StringComparer.Ordinal).ToList();
        Assert.NotEmpty(sets);
        foreach (var set in sets)
        {
            var inputs = TestVectors.ReadInputs(set, session.Inputs);
            var expected = TestVectors.ReadOutputs(set);
            var actual = session.Run(inputs);
            for (var k = 0; k < expected.Count; k++)
            {
                var problem = ConformanceRunner.Compare(actual[k], expected[k], rtol, atol);
                Assert.True(problem is null, $"{Path.GetFileName(set)} output {k}: {problem}");
            }
        }
    }

    [SharedDataFact(Models + "/onnx-small/mnist-8.onnx")]
    public void Mnist8MatchesReference() =>
        MatchesReference(Models + "/onnx-small/mnist-8.onnx", Models + "/onnx-small/reference/mnist-8", 1e-4, 1e-5);

    [SharedDataFact(Models + "/paddleocr/ch_ppocr_mobile_v2.0_cls_infer.onnx")]
    public void PaddleOcrClsMatchesReference() =>
        MatchesReference(Models + "/paddleocr/ch_ppocr_mobile_v2.0_cls_infer.onnx", Models + "/paddleocr/reference/cls", 1e-4, 1e-5);

    [SharedDataFact(Models + "/paddleocr/ch_PP-OCRv4_rec_infer.onnx")]
    public void PaddleOcrRecMatchesReference() =>
        MatchesReference(Models + "/paddleocr/ch_PP-OCRv4_rec_infer.onnx", Models + "/paddleocr/reference/rec", 1e-4, 1e-5);

    [SharedDataFact(Models + "/paddleocr/ch_PP-OCRv4_det_infer.onnx")]
    public void PaddleOcrDetMatchesReference() =>
        MatchesReference(Models + "/paddleocr/ch_PP-OCRv4_det_infer.onnx", Models + "/paddleocr/reference/det", 1e-4, 1e-4);

    /// <summary>mnist-8 on the 10,000 MNIST test images (raw 0–255 pixels): 98.91 %, as ONNX Runtime gets.</summary>
    [SharedDataFact(Models + "/onnx-small/mnist-8.onnx", "shared/data/mnist/t10k-images-idx3-ubyte.gz")]
    public void Mnist8ReachesItsReferenceAccuracy()
    {
        var session = new InferenceSession(OnnxModel.Load(Paths.Resolve(Models + "/onnx-small/mnist-8.onnx")));
        var (_, pixels) = IdxFile.ReadBytes(Paths.Resolve("shared/data/mnist/t10k-images-idx3-ubyte.gz"));
        var (_, labels) = IdxFile.ReadBytes(Paths.Resolve("shared/data/mnist/t10k-labels-idx1-ubyte.gz"));
        var correct = 0;
        var image = new float[784];
        for (var i = 0; i < labels.Length; i++)
        {
            for (var p = 0; p < 784; p++) image[p] = pixels[i * 784 + p];
            var logits = session.Run([Tensor.FromSpan<float>(image, new Shape(1, 1, 28, 28))])[0].ToArray<float>();
            var best = 0;
            for (var c = 1; c < logits.Length; c++) if (logits[c] > logits[best]) best = c;
            if (best == labels[i]) correct++;
        }
        Assert.Equal(9891, correct);
    }

    public static TheoryData<string> LightModels =>
        ["bvlc_alexnet", "densenet121", "inception_v1", "inception_v2", "resnet50", "shufflenet", "squeezenet", "vgg19", "zfnet512"];

    /// <summary>The light models' weights all come from ConstantOfShape, so the expected output does not depend on
    /// the image; it is fed as ones of the declared shape.</summary>
    [SharedDataTheory(Light)]
    [MemberData(nameof(LightModels))]
    public void LightModelMatchesReference(string name)
    {
        var model = OnnxModel.Load(Paths.Resolve($"{Light}/light_{name}.onnx"));
        var session = new InferenceSession(model);
        var inputs = session.Inputs.Select(i => Tensor.Full(new Shape([.. i.Shape!.Select(d => (int)(d.Value ?? 1))]), 1f)).ToList();
        var expected = TensorFile.Read(Paths.Resolve($"{Light}/light_{name}_output_0.pb")).Tensor;
        var problem = ConformanceRunner.Compare(session.Run(inputs)[0], expected, 1e-3, 1e-6);
        Assert.True(problem is null, problem);
    }
}
