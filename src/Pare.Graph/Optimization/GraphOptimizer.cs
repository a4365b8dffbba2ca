namespace Pare.Graph.Optimization;

/// <summary>What the inference executor did to a model before running it.</summary>
/// <param name="FoldedConstants">nodes evaluated once and replaced by initializers</param>
/// <param name="FoldedBatchNorms">batch norms folded into the conv before them</param>
public sealed record OptimizationReport(int FoldedConstants, int FoldedBatchNorms)
{
    /// <summary>constant scalar Mul/Add around a conv's activation absorbed into its FusedConv (pre_/output_ scale and shift)</summary>
    public int FoldedAffines { get; init; }

    /// <summary>activations fused into the conv before them (FusedConv nodes)</summary>
    public int FusedActivations { get; init; }

    /// <summary>constant per-channel Adds and batch norms folded into the ConvTranspose before them</summary>
    public int FoldedIntoConvTranspose { get; init; }

    /// <summary>DequantizeLinear → float elementwise ops → QuantizeLinear chains replaced by byte lookups</summary>
    public int FusedQdqChains { get; init; }
}

/// <summary>The inference executor's rewrites, in order: constant folding, then batch-norm folding, then constant
/// folding again (so exporter-emitted weight arithmetic disappears), then removal of unused initializers, then
/// quantized chains tabulated (<see cref="QdqChainFusion"/>), then 2×2 max pools fused into the QLinearConv before them (<see cref="QLinearConvPoolFusion"/>), then conv epilogue fusion (constant scalar scale/shift, residual Add and activation into FusedConv nodes), then ConvTranspose fusion (bias Add, batch norm and activation, <see cref="ConvTransposeFusion"/>).</summary>
internal static class GraphOptimizer
{
    public static OptimizationReport Run(Model model)
    {
        model.Graph.Sort();
        QdqFusion.Run(model.Graph); // before constant folding, which would dequantize the int8 weights
        var constants = ConstantFolding.Run(model);
        var batchNorms = BatchNormFolding.Run(model.Graph);
        constants += ConstantFolding.Run(model);
        BatchNormFolding.DropUnused(model.Graph);
        var chains = QdqChainFusion.Run(model);
        QLinearConvPoolFusion.Run(model.Graph);
        var (affines, activations) = ConvActivationFusion.Run(model);
        var (transposeFolds, transposeActivations) = ConvTransposeFusion.Run(model);
        return new OptimizationReport(constants, batchNorms)
        {
            FoldedAffines = affines, FusedActivations = activations + transposeActivations, FusedQdqChains = chains,
            FoldedIntoConvTranspose = transposeFolds,
        };
    }
}
