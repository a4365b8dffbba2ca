using Pare.Core;
using Pare.Core.Random;

namespace Pare.Nn.Modules;

/// <summary>PyTorch's default initializations, so that a Pare model starts from the same distribution as the
/// same PyTorch model (and reaches the same accuracy with the same hyperparameters).</summary>
public static class Init
{
    /// <summary>Linear/conv weight: kaiming_uniform with a = √5, i.e. U(−1/√fan_in, 1/√fan_in).</summary>
    public static Tensor KaimingUniform(Shape shape, int fanIn, Rng rng)
    {
        float bound = fanIn > 0 ? 1f / MathF.Sqrt(fanIn) : 0f;
        return Tensor.Uniform(shape, -bound, bound, rng);
    }

    /// <summary>Linear/conv bias: U(−1/√fan_in, 1/√fan_in).</summary>
    public static Tensor BiasUniform(int size, int fanIn, Rng rng) => KaimingUniform([size], fanIn, rng);
}
