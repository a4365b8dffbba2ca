using Pare.Core;
using Pare.Core.Autograd;
using Pare.Core.Random;
using Pare.Nn.Losses;
using Pare.Nn.Modules;
using Pare.Nn.Optim;

namespace Pare.Bench;

/// <summary>Whole-model rows, the same models and steps as ../shared/peers/torch_bench.py: a training step is
/// forward, cross-entropy, backward and an SGD-momentum update (lr 0.01, μ 0.9); inference is a forward in
/// eval mode without the tape. Batch 128 of 28×28 images.</summary>
public sealed class ModelSuite : IBenchSuite
{
    /// <inheritdoc/>
    public IEnumerable<BenchCase> Cases()
    {
        yield return new BenchCase("train_mlp_b128", () => Train(Mlp(new Rng(0))));
        yield return new BenchCase("infer_mlp_b128", () => Infer(Mlp(new Rng(0))));
        yield return new BenchCase("train_cnn_b128", () => Train(Cnn(new Rng(0))));
        yield return new BenchCase("infer_cnn_b128", () => Infer(Cnn(new Rng(0))));
    }

    // 784-512-256-10 with ReLU
    private static Sequential Mlp(Rng rng) => new(
        new Flatten(), new Linear(784, 512, rng), Activation.Relu(), new Linear(512, 256, rng), Activation.Relu(), new Linear(256, 10, rng));

    // conv3x3(1→32)-relu-maxpool2, conv3x3(32→64)-relu-maxpool2, fc(3136→128)-relu-fc(128→10)
    private static Sequential Cnn(Rng rng) => new(
        new Conv2d(1, 32, 3, rng, padding: 1), Activation.Relu(), Pool.Max(2),
        new Conv2d(32, 64, 3, rng, padding: 1), Activation.Relu(), Pool.Max(2),
        new Flatten(), new Linear(64 * 7 * 7, 128, rng), Activation.Relu(), new Linear(128, 10, rng));

    private static (Tensor X, Tensor Y) Batch()
    {
        var rng = new Rng(1);
        var x = Tensor.Uniform([128, 1, 28, 28], 0, 1, rng);
        var y = new long[128];
        for (int i = 0; i < y.Length; i++) y[i] = rng.NextInt(10);
        return (x, Tensor.Wrap(y, [128]));
    }

    private static Action Train(Module model)
    {
        var (x, y) = Batch();
        var opt = new Sgd(model.NamedParameters().ToList(), 0.01f, momentum: 0.9f);
        return () =>
        {
            opt.ZeroGrad();
            Loss.CrossEntropy(model.Forward(x), y).Backward();
            opt.Step();
        };
    }

    private static Action Infer(Module model)
    {
        var (x, _) = Batch();
        model.Eval();
        return () =>
        {
            using var _ = Tape.NoGrad();
            model.Forward(x);
        };
    }
}
