using Pare.Core.Random;
using Pare.Nn.Modules;

namespace Pare.Nn.Presets;

/// <summary>The 28×28 grey-scale classifiers of ../shared/peers/torch_train.py, layer for layer (so state-dict
/// names match PyTorch's nn.Sequential: "1.weight", "3.bias", …).</summary>
public static class ImageClassifiers
{
    /// <summary>Flatten, Linear 784→512, ReLU, Linear 512→256, ReLU, Linear 256→10. Input (N, 1, 28, 28).</summary>
    public static Module Mlp(Rng rng) => new Sequential(
        new Flatten(),
        new Linear(784, 512, rng), Activation.Relu(),
        new Linear(512, 256, rng), Activation.Relu(),
        new Linear(256, 10, rng));

    /// <summary>Conv 1→32 3×3 pad 1, ReLU, max-pool 2, conv 32→64 3×3 pad 1, ReLU, max-pool 2, Flatten,
    /// Linear 3136→128, ReLU, Linear 128→10. Input (N, 1, 28, 28).</summary>
    public static Module Cnn(Rng rng) => new Sequential(
        new Conv2d(1, 32, 3, rng, padding: 1), Activation.Relu(), Pool.Max(2),
        new Conv2d(32, 64, 3, rng, padding: 1), Activation.Relu(), Pool.Max(2),
        new Flatten(),
        new Linear(64 * 7 * 7, 128, rng), Activation.Relu(),
        new Linear(128, 10, rng));

    /// <summary><see cref="Cnn"/> with a BatchNorm after each conv (conv → BatchNorm → ReLU → max-pool). Not in
    /// torch_train.py: it exists for data-free quantization, whose calibration inputs are synthesized to match the
    /// BatchNorm layers' running statistics, so a model without them cannot be calibrated that way.</summary>
    public static Module CnnBn(Rng rng) => new Sequential(
        new Conv2d(1, 32, 3, rng, padding: 1), new BatchNorm(32), Activation.Relu(), Pool.Max(2),
        new Conv2d(32, 64, 3, rng, padding: 1), new BatchNorm(64), Activation.Relu(), Pool.Max(2),
        new Flatten(),
        new Linear(64 * 7 * 7, 128, rng), Activation.Relu(),
        new Linear(128, 10, rng));
}
