using Pare.Nn.Export;
using Pare.Graph.Building;
using Pare.Core;
using Pare.Core.Ops;

namespace Pare.Nn.Modules;

/// <summary>Batch normalization over the channel axis of (N, C) or (N, C, *) — PyTorch's BatchNorm1d and
/// BatchNorm2d. Training mode normalizes with batch statistics and updates the running ones.</summary>
public sealed class BatchNorm : Module
{
    /// <summary>Creates the layer: weight 1, bias 0, running mean 0, running variance 1.</summary>
    public BatchNorm(int channels, float momentum = 0.1f, float eps = 1e-5f)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(channels, 1);
        Momentum = momentum;
        Eps = eps;
        Weight = Parameter(nameof(Weight), Tensor.Ones([channels]));
        Bias = Parameter(nameof(Bias), Tensor.Zeros([channels]));
        RunningMean = Buffer(nameof(RunningMean), Tensor.Zeros([channels]));
        RunningVar = Buffer(nameof(RunningVar), Tensor.Ones([channels]));
        NumBatchesTracked = Buffer(nameof(NumBatchesTracked), Tensor.Zeros([], DType.Int64));
    }

    /// <summary>Weight of a new batch statistic in the running average.</summary>
    public float Momentum { get; }

    /// <summary>Added to the variance.</summary>
    public float Eps { get; }

    /// <summary>γ (C)</summary>
    public Tensor Weight { get; }

    /// <summary>β (C)</summary>
    public Tensor Bias { get; }

    /// <summary>(C)</summary>
    public Tensor RunningMean { get; }

    /// <summary>(C)</summary>
    public Tensor RunningVar { get; }

    /// <summary>Batches seen in training (saved like PyTorch's, so state dicts line up).</summary>
    public Tensor NumBatchesTracked { get; }

    /// <param name="x">(N, C) or (N, C, *)</param>
    public override Tensor Forward(Tensor x)
    {
        if (Training) NumBatchesTracked.AsSpan<long>()[0]++;
        return Normalization.BatchNorm(x, RunningMean, RunningVar, Weight, Bias, Training, Momentum, Eps);
    }

    /// <inheritdoc/>
    public override string Export(GraphBuilder g, string input)
    {
        ArgumentNullException.ThrowIfNull(g);
        return g.Add("BatchNormalization",
            [input, g.Weight("weight", Weight), g.Weight("bias", Bias), g.Weight("running_mean", RunningMean), g.Weight("running_var", RunningVar)],
            OnnxExport.Attr("epsilon", Eps), OnnxExport.Attr("momentum", 1 - Momentum));
    }
}
