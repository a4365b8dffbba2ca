using Pare.Core;
using Pare.Core.Ops;
using Pare.Core.Random;

namespace Pare.Nn.Modules;

/// <summary>A multi-layer, batch-first LSTM with PyTorch's parameters (<c>weight_ih_l{k}</c> (4H, F_k),
/// <c>weight_hh_l{k}</c> (4H, H), <c>bias_ih_l{k}</c>, <c>bias_hh_l{k}</c> (4H), gate order i, f, g, o) and init
/// U(−1/√H, 1/√H). Per step: c = f⊙c + i⊙g, h = o⊙tanh(c).
/// <para>Gating for pruning: <see cref="GateMasks"/>[k], when set, is an (H) tensor multiplied into layer k's hidden
/// state h after every step, so a zero removes that unit from the output and from the recurrence; it may require
/// grad (a learned or stochastic information-bottleneck gate).</para></summary>
public sealed class Lstm : Module
{
    private readonly Tensor[] _wIh, _wHh, _bIh, _bHh;

    /// <summary>Creates the layers.</summary>
    public Lstm(int inputSize, int hiddenSize, Rng rng, int numLayers = 1)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(inputSize, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(hiddenSize, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(numLayers, 1);
        InputSize = inputSize;
        HiddenSize = hiddenSize;
        NumLayers = numLayers;
        (_wIh, _wHh, _bIh, _bHh) = RecurrentWeights.Register(Parameter, 4, inputSize, hiddenSize, numLayers, rng);
        GateMasks = new Tensor?[numLayers];
    }

    /// <summary>F, the input features.</summary>
    public int InputSize { get; }

    /// <summary>H, the hidden units per layer.</summary>
    public int HiddenSize { get; }

    /// <summary>Stacked layers.</summary>
    public int NumLayers { get; }

    /// <summary>Per layer, an optional (H) mask multiplied into the hidden state after every step (null = none).</summary>
    public Tensor?[] GateMasks { get; }

    /// <param name="x">(B, T, F)</param>
    /// <returns>(B, T, H), the last layer's hidden states</returns>
    public override Tensor Forward(Tensor x) => Forward(x, null).Output;

    /// <param name="x">(B, T, F)</param>
    /// <param name="initial">(h0, c0), each (L, B, H); zeros when null</param>
    /// <returns>output (B, T, H); final h and c, each (L, B, H)</returns>
    public (Tensor Output, Tensor H, Tensor C) Forward(Tensor x, (Tensor H, Tensor C)? initial)
    {
        ArgumentNullException.ThrowIfNull(x);
        RecurrentWeights.CheckInput("Lstm", x, InputSize, HiddenSize, NumLayers, initial?.H, initial?.C);
        int b = x.Dim(0), t = x.Dim(1), hs = HiddenSize;
        var hN = new Tensor[NumLayers];
        var cN = new Tensor[NumLayers];
        var layerIn = x;
        for (int k = 0; k < NumLayers; k++)
        {
            // The input projection of all steps at once: one (B·T, F)·(F, 4H) product instead of T small ones.
            var xw = Elementwise.Add(Elementwise.Add(Linalg.MatMul(layerIn, _wIh[k].Transpose(0, 1)), _bIh[k]), _bHh[k]);
            var wHhT = _wHh[k].Transpose(0, 1);
            var h = initial is { } s0 ? s0.H.Slice(0, k, k + 1).Squeeze(0) : Tensor.Zeros([b, hs]);
            var c = initial is { } s1 ? s1.C.Slice(0, k, k + 1).Squeeze(0) : Tensor.Zeros([b, hs]);
            var outs = new Tensor[t];
            for (int step = 0; step < t; step++)
            {
                var gates = Elementwise.Add(xw.Slice(1, step, step + 1).Squeeze(1), Linalg.MatMul(h, wHhT));
                var i = Elementwise.Sigmoid(gates.Slice(1, 0, hs));
                var f = Elementwise.Sigmoid(gates.Slice(1, hs, 2 * hs));
                var g = Elementwise.Tanh(gates.Slice(1, 2 * hs, 3 * hs));
                var o = Elementwise.Sigmoid(gates.Slice(1, 3 * hs, 4 * hs));
                c = Elementwise.Add(Elementwise.Mul(f, c), Elementwise.Mul(i, g));
                h = Elementwise.Mul(o, Elementwise.Tanh(c));
                if (GateMasks[k] is { } mask) h = Elementwise.Mul(h, mask);
                outs[step] = h;
            }
            hN[k] = h;
            cN[k] = c;
            layerIn = t == 0 ? Tensor.Zeros([b, 0, hs]) : Assembly.Stack(outs, 1);
        }
        return (layerIn, Assembly.Stack(hN, 0), Assembly.Stack(cN, 0));
    }
}
