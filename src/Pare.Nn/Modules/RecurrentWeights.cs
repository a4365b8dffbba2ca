using Pare.Core;
using Pare.Core.Random;

namespace Pare.Nn.Modules;

/// <summary>Shared by <see cref="Lstm"/> and <see cref="Gru"/>: PyTorch's per-layer weight names and init, and
/// input validation.</summary>
internal static class RecurrentWeights
{
    public static (Tensor[] WIh, Tensor[] WHh, Tensor[] BIh, Tensor[] BHh) Register(
        Func<string, Tensor, Tensor> parameter, int gates, int inputSize, int hiddenSize, int layers, Rng rng)
    {
        float bound = 1f / MathF.Sqrt(hiddenSize);
        var wIh = new Tensor[layers];
        var wHh = new Tensor[layers];
        var bIh = new Tensor[layers];
        var bHh = new Tensor[layers];
        // PyTorch draws every parameter U(−1/√H, 1/√H), in registration order.
        for (int k = 0; k < layers; k++)
        {
            int fin = k == 0 ? inputSize : hiddenSize;
            wIh[k] = parameter($"weight_ih_l{k}", Tensor.Uniform([gates * hiddenSize, fin], -bound, bound, rng));
            wHh[k] = parameter($"weight_hh_l{k}", Tensor.Uniform([gates * hiddenSize, hiddenSize], -bound, bound, rng));
            bIh[k] = parameter($"bias_ih_l{k}", Tensor.Uniform([gates * hiddenSize], -bound, bound, rng));
            bHh[k] = parameter($"bias_hh_l{k}", Tensor.Uniform([gates * hiddenSize], -bound, bound, rng));
        }
        return (wIh, wHh, bIh, bHh);
    }

    public static void CheckInput(string layer, Tensor x, int inputSize, int hiddenSize, int layers, params Tensor?[] states)
    {
        if (x.Rank != 3 || x.Dim(2) != inputSize)
            throw new ArgumentException($"{layer}(input {inputSize}, hidden {hiddenSize}) expects (B, T, {inputSize}), got {x.Shape}", nameof(x));
        var want = new Shape(layers, x.Dim(0), hiddenSize);
        foreach (var s in states)
            if (s is not null && s.Shape != want)
                throw new ArgumentException($"{layer}: initial state must be {want} for input {x.Shape}, got {s.Shape}", nameof(states));
    }
}
