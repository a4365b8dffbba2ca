using Pare.Core;
using Pare.Core.Random;

namespace Pare.Nn.Modules;

/// <summary>What <see cref="Lstm"/> and <see cref="Gru"/> share: sizes, PyTorch's per-layer weight names
/// (<c>weight_ih_l{k}</c>, <c>weight_hh_l{k}</c>, <c>bias_ih_l{k}</c>, <c>bias_hh_l{k}</c>) and init
/// U(−1/√H, 1/√H), the per-layer gate masks that pruning multiplies into the hidden state, and input checks.</summary>
public abstract class RecurrentLayer : Module
{
    /// <summary>Registers <paramref name="gates"/>·H rows of weights per layer.</summary>
    private protected RecurrentLayer(int gates, int inputSize, int hiddenSize, Rng rng, int numLayers)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(inputSize, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(hiddenSize, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(numLayers, 1);
        ArgumentNullException.ThrowIfNull(rng);
        InputSize = inputSize;
        HiddenSize = hiddenSize;
        NumLayers = numLayers;
        GateMasks = new Tensor?[numLayers];
        WIh = new Tensor[numLayers];
        WHh = new Tensor[numLayers];
        BIh = new Tensor[numLayers];
        BHh = new Tensor[numLayers];
        float bound = 1f / MathF.Sqrt(hiddenSize);
        // PyTorch draws every parameter U(−1/√H, 1/√H), in registration order.
        for (int k = 0; k < numLayers; k++)
        {
            int fin = k == 0 ? inputSize : hiddenSize;
            WIh[k] = Parameter($"weight_ih_l{k}", Tensor.Uniform([gates * hiddenSize, fin], -bound, bound, rng));
            WHh[k] = Parameter($"weight_hh_l{k}", Tensor.Uniform([gates * hiddenSize, hiddenSize], -bound, bound, rng));
            BIh[k] = Parameter($"bias_ih_l{k}", Tensor.Uniform([gates * hiddenSize], -bound, bound, rng));
            BHh[k] = Parameter($"bias_hh_l{k}", Tensor.Uniform([gates * hiddenSize], -bound, bound, rng));
        }
    }

    /// <summary>F, the input features.</summary>
    public int InputSize { get; }

    /// <summary>H, the hidden units per layer.</summary>
    public int HiddenSize { get; }

    /// <summary>Stacked layers.</summary>
    public int NumLayers { get; }

    /// <summary>Per layer, an optional (H) mask multiplied into the hidden state after every step (null = none); a
    /// zero removes that unit from the output and the recurrence, and the mask may require grad (a learned or
    /// stochastic information-bottleneck gate).</summary>
    public Tensor?[] GateMasks { get; }

    private protected Tensor[] WIh { get; }

    private protected Tensor[] WHh { get; }

    private protected Tensor[] BIh { get; }

    private protected Tensor[] BHh { get; }

    /// <param name="x">(B, T, F)</param>
    /// <returns>(B, T, H), the last layer's hidden states</returns>
    public abstract override Tensor Forward(Tensor x);

    private protected void CheckInput(Tensor x, params Tensor?[] states)
    {
        string layer = GetType().Name;
        if (x.Rank != 3 || x.Dim(2) != InputSize)
            throw new ArgumentException($"{layer}(input {InputSize}, hidden {HiddenSize}) expects (B, T, {InputSize}), got {x.Shape}", nameof(x));
        var want = new Shape(NumLayers, x.Dim(0), HiddenSize);
        foreach (var s in states)
            if (s is not null && s.Shape != want)
                throw new ArgumentException($"{layer}: initial state must be {want} for input {x.Shape}, got {s.Shape}", nameof(states));
    }
}
