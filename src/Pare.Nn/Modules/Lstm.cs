using Pare.Core;
using Pare.Core.Ops;
using Pare.Core.Random;

namespace Pare.Nn.Modules;

/// <summary>A multi-layer, batch-first LSTM with PyTorch's parameters (<c>weight_ih_l{k}</c> (4H, F_k),
/// <c>weight_hh_l{k}</c> (4H, H), <c>bias_ih_l{k}</c>, <c>bias_hh_l{k}</c> (4H), gate order i, f, g, o) and init
/// U(−1/√H, 1/√H). Per step: c = f⊙c + i⊙g, h = o⊙tanh(c).
/// <para>Gating for pruning: <see cref="RecurrentLayer.GateMasks"/>[k], when set, is an (H) tensor multiplied into layer k's hidden
/// state h after every step, so a zero removes that unit from the output and from the recurrence; it may require
/// grad (a learned or stochastic information-bottleneck gate).</para></summary>
public sealed class Lstm : RecurrentLayer
{
    /// <summary>Creates the layers.</summary>
    public Lstm(int inputSize, int hiddenSize, Rng rng, int numLayers = 1)
        : base(4, inputSize, hiddenSize, rng, numLayers)
    {
    }

    /// <inheritdoc/>
    public override Tensor Forward(Tensor x) => Forward(x, null).Output;

    /// <param name="x">(B, T, F)</param>
    /// <param name="initial">(h0, c0), each (L, B, H); zeros when null</param>
    /// <returns>output (B, T, H); final h and c, each (L, B, H)</returns>
    public (Tensor Output, Tensor H, Tensor C) Forward(Tensor x, (Tensor H, Tensor C)? initial)
    {
        ArgumentNullException.ThrowIfNull(x);
        CheckInput(x, initial?.H, initial?.C);
        int b = x.Dim(0), t = x.Dim(1), hs = HiddenSize;
        var hN = new Tensor[NumLayers];
        var cN = new Tensor[NumLayers];
        var layerIn = x;
        for (int k = 0; k < NumLayers; k++)
        {
            // The input projection of all steps at once: one (B·T, F)·(F, 4H) product instead of T small ones.
            var xw = Elementwise.Add(Elementwise.Add(Linalg.MatMul(layerIn, WIh[k].Transpose(0, 1)), BIh[k]), BHh[k]);
            var wHhT = WHh[k].Transpose(0, 1);
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
