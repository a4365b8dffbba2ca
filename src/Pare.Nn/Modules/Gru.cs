using Pare.Core;
using Pare.Core.Ops;
using Pare.Core.Random;

namespace Pare.Nn.Modules;

/// <summary>A multi-layer, batch-first GRU with PyTorch's parameters (<c>weight_ih_l{k}</c> (3H, F_k),
/// <c>weight_hh_l{k}</c> (3H, H), <c>bias_ih_l{k}</c>, <c>bias_hh_l{k}</c> (3H), gate order r, z, n) and init
/// U(−1/√H, 1/√H). Per step: n = tanh(W_in·x + b_in + r⊙(W_hn·h + b_hn)), h = (1 − z)⊙n + z⊙h.
/// <para>Gating for pruning: <see cref="RecurrentLayer.GateMasks"/>[k], when set, is an (H) tensor multiplied into layer k's hidden
/// state after every step (zero removes the unit from output and recurrence).</para></summary>
public sealed class Gru : RecurrentLayer
{
    /// <summary>Creates the layers.</summary>
    public Gru(int inputSize, int hiddenSize, Rng rng, int numLayers = 1)
        : base(3, inputSize, hiddenSize, rng, numLayers)
    {
    }

    /// <inheritdoc/>
    public override Tensor Forward(Tensor x) => Forward(x, null).Output;

    /// <param name="x">(B, T, F)</param>
    /// <param name="h0">(L, B, H); zeros when null</param>
    /// <returns>output (B, T, H) and final h (L, B, H)</returns>
    public (Tensor Output, Tensor H) Forward(Tensor x, Tensor? h0)
    {
        ArgumentNullException.ThrowIfNull(x);
        CheckInput(x, h0);
        int b = x.Dim(0), t = x.Dim(1), hs = HiddenSize;
        var hN = new Tensor[NumLayers];
        var layerIn = x;
        for (int k = 0; k < NumLayers; k++)
        {
            var xw = Elementwise.Add(Linalg.MatMul(layerIn, WIh[k].Transpose(0, 1)), BIh[k]);
            var wHhT = WHh[k].Transpose(0, 1);
            var h = h0 is null ? Tensor.Zeros([b, hs]) : h0.Slice(0, k, k + 1).Squeeze(0);
            var outs = new Tensor[t];
            for (int step = 0; step < t; step++)
            {
                var gi = xw.Slice(1, step, step + 1).Squeeze(1);
                var gh = Elementwise.Add(Linalg.MatMul(h, wHhT), BHh[k]);
                var r = Elementwise.Sigmoid(Elementwise.Add(gi.Slice(1, 0, hs), gh.Slice(1, 0, hs)));
                var z = Elementwise.Sigmoid(Elementwise.Add(gi.Slice(1, hs, 2 * hs), gh.Slice(1, hs, 2 * hs)));
                var n = Elementwise.Tanh(Elementwise.Add(gi.Slice(1, 2 * hs, 3 * hs), Elementwise.Mul(r, gh.Slice(1, 2 * hs, 3 * hs))));
                // h' = n + z⊙(h − n), the same as (1 − z)⊙n + z⊙h.
                h = Elementwise.Add(n, Elementwise.Mul(z, Elementwise.Sub(h, n)));
                if (GateMasks[k] is { } mask) h = Elementwise.Mul(h, mask);
                outs[step] = h;
            }
            hN[k] = h;
            layerIn = t == 0 ? Tensor.Zeros([b, 0, hs]) : Assembly.Stack(outs, 1);
        }
        return (layerIn, Assembly.Stack(hN, 0));
    }
}
