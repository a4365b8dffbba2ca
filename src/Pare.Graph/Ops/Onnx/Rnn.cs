using Pare.Core;
using E = Pare.Core.Ops.Elementwise;

namespace Pare.Graph.Ops.Onnx;

/// <summary>ONNX RNN (opset 7, 14), the simple recurrence H' = f(X·Wᵀ + H·Rᵀ + Wb + Rb), f = Tanh by default.</summary>
internal static class Rnn
{
    private static readonly string[] DefaultActivations = ["Tanh"];

    [OnnxOp("RNN")]
    public static Tensor?[] Run(OpContext c)
    {
        var n = RecurrentNode.Read(c, 1, DefaultActivations);
        return n.Run(c,
            d => n.B is null ? null : E.Add(n.BiasOf(d, 0)!, n.BiasOf(d, 1)!),
            d =>
            {
                var rT = n.ROf(d).Transpose(0, 1);
                var act = n.Activations[d];
                return (xw, h, _) => (act.Apply(n.Clamp(E.Add(xw, Pare.Core.Ops.Linalg.MatMul(h, rT)))), null);
            },
            d =>
            {
                var r = n.RecurrentWeightsOf(d);
                var act = n.Activations[d];
                return (gates, h, _, hNew, _) =>
                {
                    n.AddRecurrent(h, r, 0, n.Hidden, gates, n.Hidden);
                    n.Clamp(gates);
                    act.Apply(gates);
                    gates.CopyTo(hNew);
                };
            });
    }
}
