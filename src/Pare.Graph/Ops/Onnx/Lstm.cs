using TensorPrimitives = System.Numerics.Tensors.TensorPrimitives;
using Pare.Core;
using E = Pare.Core.Ops.Elementwise;

namespace Pare.Graph.Ops.Onnx;

/// <summary>ONNX LSTM (opset 7, 14): gates in W/R/B order i, o, f, c; peepholes P in order i, o, f; input_forget
/// couples the forget gate to the input gate (f = 1 − i, as ONNX Runtime does). Per step:
/// i = f(X·Wiᵀ + H·Riᵀ + Pi⊙C + b_i), f = f(… + Pf⊙C), c̃ = g(…), C' = f⊙C + i⊙c̃, o = f(… + Po⊙C'), H' = o⊙h(C').
/// clip bounds every gate pre-activation after its bias and peephole.</summary>
internal static class Lstm
{
    private static readonly string[] DefaultActivations = ["Sigmoid", "Tanh", "Tanh"];

    [OnnxOp("LSTM")]
    public static Tensor?[] Run(OpContext c)
    {
        var n = RecurrentNode.Read(c, 4, DefaultActivations);
        int hs = n.Hidden;
        bool inputForget = c.Attributes.Int("input_forget", 0) != 0;
        var p = c.OptionalInput(7);
        if (p is not null && (p.Rank != 2 || p.Dim(0) != n.Directions || p.Dim(1) != 3 * hs))
            throw c.Fail($"P must have shape [{n.Directions}, {3 * hs}], has {p.Shape}");

        return n.Run(c,
            d => n.B is null ? null : c.Training ? E.Add(n.BiasOf(d, 0, 4)!, n.BiasOf(d, 4, 4)!) : n.BiasSum(d, 0, 4, 4),
            d =>
            {
                var rT = n.ROf(d).Transpose(0, 1);
                var act = n.Activations.AsSpan(3 * d, 3).ToArray();
                var pd = p?.Slice(0, d, d + 1).Squeeze(0);
                Tensor? pi = pd?.Slice(0, 0, hs), po = pd?.Slice(0, hs, 2 * hs), pf = pd?.Slice(0, 2 * hs, 3 * hs);
                return (xw, h, cPrev) =>
                {
                    var gates = E.Add(xw, Pare.Core.Ops.Linalg.MatMul(h, rT)); // (B, 4H)
                    var iPre = gates.Slice(1, 0, hs);
                    var oPre = gates.Slice(1, hs, 2 * hs);
                    var fPre = gates.Slice(1, 2 * hs, 3 * hs);
                    var cPre = gates.Slice(1, 3 * hs, 4 * hs);
                    if (pi is not null) iPre = E.Add(iPre, E.Mul(pi, cPrev!));
                    var i = act[0].Apply(n.Clamp(iPre));
                    Tensor f;
                    if (inputForget)
                    {
                        f = E.Sub(1f, i);
                    }
                    else
                    {
                        if (pf is not null) fPre = E.Add(fPre, E.Mul(pf, cPrev!));
                        f = act[0].Apply(n.Clamp(fPre));
                    }
                    var g = act[1].Apply(n.Clamp(cPre));
                    var cNew = E.Add(E.Mul(f, cPrev!), E.Mul(i, g));
                    if (po is not null) oPre = E.Add(oPre, E.Mul(po, cNew));
                    var o = act[0].Apply(n.Clamp(oPre));
                    return (E.Mul(o, act[2].Apply(cNew)), cNew);
                };
            },
            d => Fused(n, d, inputForget, p));
    }

    // The same step on spans: gates rows are (i, o, f, c̃) blocks of H.
    private static FusedCell Fused(RecurrentNode n, int d, bool inputForget, Tensor? p)
    {
        int hs = n.Hidden;
        var r = n.RecurrentWeightsOf(d);
        var act = n.Activations.AsSpan(3 * d, 3).ToArray();
        var peep = p?.Slice(0, d, d + 1).ToArray<float>();
        return (gates, h, c, hNew, cNew) =>
        {
            n.AddRecurrent(h, r, 0, 4 * hs, gates, 4 * hs);
            for (int e = 0; e < n.Batch; e++)
            {
                var row = gates.Slice(e * 4 * hs, 4 * hs);
                Span<float> i = row[..hs], o = row.Slice(hs, hs), f = row.Slice(2 * hs, hs), g = row.Slice(3 * hs, hs);
                ReadOnlySpan<float> cPrev = c.Slice(e * hs, hs);
                Span<float> cOut = cNew.Slice(e * hs, hs), hOut = hNew.Slice(e * hs, hs);
                if (peep is not null) TensorPrimitives.MultiplyAdd(cPrev, peep.AsSpan(0, hs), i, i);
                n.Clamp(i);
                act[0].Apply(i);
                if (inputForget)
                {
                    TensorPrimitives.Subtract(1f, i, f);
                }
                else
                {
                    if (peep is not null) TensorPrimitives.MultiplyAdd(cPrev, peep.AsSpan(2 * hs, hs), f, f);
                    n.Clamp(f);
                    act[0].Apply(f);
                }
                n.Clamp(g);
                act[1].Apply(g);
                TensorPrimitives.Multiply(f, cPrev, cOut);
                TensorPrimitives.MultiplyAdd(i, g, cOut, cOut); // C' = f⊙C + i⊙c̃
                if (peep is not null) TensorPrimitives.MultiplyAdd(cOut, peep.AsSpan(hs, hs), o, o);
                n.Clamp(o);
                act[0].Apply(o);
                cOut.CopyTo(hOut);
                act[2].Apply(hOut);
                TensorPrimitives.Multiply(hOut, o, hOut); // H' = o⊙h(C')
            }
        };
    }
}
