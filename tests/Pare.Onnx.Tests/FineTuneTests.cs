using Pare.Core;
using Pare.Graph.Execution;
using Pare.Nn.Data;
using Pare.Nn.Losses;
using Pare.Nn.Optim;

namespace Pare.Onnx.Tests;

/// <summary>The training executor fine-tunes imported ONNX models: initializers (and Constant weights) become
/// parameters and gradients flow through every op of real models.</summary>
public class FineTuneTests
{
    private const string Mnist8 = "shared/models/onnx-small/mnist-8.onnx";
    private const string Cls = "shared/models/paddleocr/ch_ppocr_mobile_v2.0_cls_infer.onnx";

    [SharedDataFact(Mnist8, "shared/data/mnist10k")]
    public void Mnist8LearnsARelabelledTaskFromTrainingImages()
    {
        var session = new TrainingSession(OnnxModel.Load(Paths.Resolve(Mnist8)));
        // 5,998 numbers in the file: 5,994 float weights plus two int64 reshape shapes, which do not train
        Assert.Equal(5994, session.Parameters.Values.Sum(p => p.Shape.ElementCount));
        var images = Directory.GetFiles(Paths.Resolve("shared/data/mnist10k"), "*images*")[0];
        var labelsFile = Directory.GetFiles(Paths.Resolve("shared/data/mnist10k"), "*labels*")[0];
        var (_, pixels) = IdxFile.ReadBytes(images);
        var (_, labels) = IdxFile.ReadBytes(labelsFile);
        const int Batch = 32;
        var optimizer = new Adam([new ParameterGroup([.. session.Parameters.Select(p => (p.Key, p.Value))])], learningRate: 1e-3f);
        float BatchLoss(int step, bool train)
        {
            var x = new float[Batch * 784];
            var y = new long[Batch];
            for (var i = 0; i < Batch; i++)
            {
                var n = (step * Batch + i) % labels.Length;
                for (var p = 0; p < 784; p++) x[i * 784 + p] = pixels[n * 784 + p];
                y[i] = (labels[n] + 1) % 10; // a new task: the next digit, so the loss starts high
            }
            // mnist-8 declares batch 1; feed one image at a time and average (its graph reshapes to a fixed batch)
            var total = Tensor.Scalar(0f);
            for (var i = 0; i < Batch; i++)
            {
                var logits = session.Forward([Tensor.FromSpan<float>(x.AsSpan(i * 784, 784), new Shape(1, 1, 28, 28))])[0];
                total = total + Pare.Nn.Losses.Loss.CrossEntropy(logits, Tensor.Wrap([y[i]], new Shape(1)));
            }
            var loss = total / Batch;
            if (train)
            {
                optimizer.ZeroGrad();
                loss.Backward();
                optimizer.Step();
            }
            return loss.Item();
        }
        var before = Enumerable.Range(100, 4).Average(s => BatchLoss(s, train: false));
        for (var step = 0; step < 30; step++) BatchLoss(step, train: true);
        var after = Enumerable.Range(100, 4).Average(s => BatchLoss(s, train: false));
        Assert.True(after < before / 2, $"held-out loss {before:F4} → {after:F4} did not halve");
        Assert.All(session.Parameters.Values, p => Assert.NotNull(p.Grad));
    }

    [SharedDataFact(Cls)]
    public void PaddleOcrConstantWeightsBecomeParametersWithGradients()
    {
        var model = OnnxModel.Load(Paths.Resolve(Cls));
        Assert.DoesNotContain(model.Graph.Initializers, i => i.Value.DType == DType.Float32 && i.Value.Shape.ElementCount > 1);
        var session = new TrainingSession(model);
        Assert.True(session.Parameters.Count > 50, $"only {session.Parameters.Count} parameters");
        var input = TensorFile.Read(Paths.Resolve("shared/models/paddleocr/reference/cls/test_data_set_0/input_0.pb")).Tensor;
        var probs = session.Forward([input])[0];
        // push both crops toward class 0
        var loss = Pare.Core.Ops.Reduce.Sum(probs.Slice(1, 1, 2));
        loss.Backward();
        var withGrad = session.Parameters.Values.Count(p => p.Grad is not null);
        Assert.True(withGrad > session.Parameters.Count * 9 / 10, $"{withGrad} of {session.Parameters.Count} parameters got a gradient");
    }
}
