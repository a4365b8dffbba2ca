namespace Pare.Graph.Analysis;

/// <summary>What one node costs in one run of the model. A node inside a subgraph is named
/// <c>owner/attribute/node</c>; a node run several times (a Loop body) sums its MACs and FLOPs over the runs.</summary>
/// <param name="Name">node name (prefixed by its owner's name and attribute for a subgraph node)</param>
/// <param name="OpType">op type with its domain when not the default</param>
/// <param name="Outputs">output names, element types and shapes (from the last run)</param>
/// <param name="Parameters">elements of the weights it reads (initializers and Constant-node values)</param>
/// <param name="WeightBytes">bytes of those weights</param>
/// <param name="Macs">multiply-accumulates (exact for Conv, ConvTranspose, Gemm, MatMul, LSTM, GRU, RNN and their
/// quantized forms; 0 otherwise)</param>
/// <param name="Flops">floating-point operations: 2·MACs plus bias additions for the ops above; an estimate of about
/// one per output element for elementwise ops, one per input element for reductions, 0 for pure data movement</param>
/// <param name="ActivationBytes">bytes of the outputs it produces (weights excluded)</param>
public sealed record NodeCost(string Name, string OpType, IReadOnlyList<ValueShape> Outputs, long Parameters,
    long WeightBytes, long Macs, long Flops, long ActivationBytes);
