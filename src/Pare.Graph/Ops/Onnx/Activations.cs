using Pare.Core;
using CoreOps = Pare.Core.Ops;

namespace Pare.Graph.Ops.Onnx;

/// <summary>ONNX activation ops, each mapped onto the Core op (so the training executor gets its gradient).</summary>
internal static class Activations
{
    [OnnxOp("Relu")]
    public static Tensor?[] Relu(OpContext c) => [CoreOps.Elementwise.Relu(c.Input(0))];

    [OnnxOp("Sigmoid")]
    public static Tensor?[] Sigmoid(OpContext c) => [CoreOps.Elementwise.Sigmoid(c.Input(0))];

    [OnnxOp("Tanh")]
    public static Tensor?[] Tanh(OpContext c) => [CoreOps.Elementwise.Tanh(c.Input(0))];
}
