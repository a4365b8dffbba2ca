using Pare.Core;
using E = Pare.Core.Ops.Elementwise;
using L = Pare.Core.Ops.Linalg;

namespace Pare.Graph.Ops.Onnx;

/// <summary>ONNX GRU (opset 7, 14): gates in W/R/B order z, r, h. Per step z = f(X·Wzᵀ + H·Rzᵀ + Wbz + Rbz),
/// r = f(… r …), then h̃ = g(X·Whᵀ + (r⊙H)·Rhᵀ + Rbh + Wbh), or with linear_before_reset
/// h̃ = g(X·Whᵀ + r⊙(H·Rhᵀ + Rbh) + Wbh); H' = (1 − z)⊙h̃ + z⊙H. clip bounds the pre-activations.</summary>
internal static class Gru
{
    private static readonly string[] DefaultActivations = ["Sigmoid", "Tanh"];

    [OnnxOp("GRU")]
    public static Tensor?[] Run(OpContext c)
    {
        var n = RecurrentNode.Read(c, 3, DefaultActivations);
        int hs = n.Hidden;
        bool linearBeforeReset = c.Attributes.Int("linear_before_reset", 0) != 0;

        // Wb (all gates) and Rb of z and r fold into the input projection; Rbh stays with the recurrent term,
        // because linear_before_reset puts it under the reset gate.
        return n.Run(c,
            d => n.B is null ? null
                : Pare.Core.Ops.Assembly.Concat([E.Add(n.BiasOf(d, 0, 2)!, n.BiasOf(d, 3, 2)!), n.BiasOf(d, 2)!], 0),
            d =>
            {
                var r = n.ROf(d);
                var rzrT = r.Slice(0, 0, 2 * hs).Transpose(0, 1); // (H, 2H)
                var rhT = r.Slice(0, 2 * hs, 3 * hs).Transpose(0, 1); // (H, H)
                var rbh = n.BiasOf(d, 5);
                var act = n.Activations.AsSpan(2 * d, 2).ToArray();
                return (xw, h, _) =>
                {
                    var zr = E.Add(xw.Slice(1, 0, 2 * hs), L.MatMul(h, rzrT));
                    var z = act[0].Apply(n.Clamp(zr.Slice(1, 0, hs)));
                    var rGate = act[0].Apply(n.Clamp(zr.Slice(1, hs, 2 * hs)));
                    Tensor recurrent;
                    if (linearBeforeReset)
                    {
                        var hr = L.MatMul(h, rhT);
                        if (rbh is not null) hr = E.Add(hr, rbh);
                        recurrent = E.Mul(rGate, hr);
                    }
                    else
                    {
                        recurrent = L.MatMul(E.Mul(rGate, h), rhT);
                        if (rbh is not null) recurrent = E.Add(recurrent, rbh);
                    }
                    var hTilde = act[1].Apply(n.Clamp(E.Add(xw.Slice(1, 2 * hs, 3 * hs), recurrent)));
                    // H' = (1 − z)⊙h̃ + z⊙H = h̃ + z⊙(H − h̃)
                    return (E.Add(hTilde, E.Mul(z, E.Sub(h, hTilde))), null);
                };
            });
    }
}
