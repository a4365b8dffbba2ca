namespace Pare.Compression.Quantization;

/// <summary>What a quantization pass quantizes.</summary>
public enum QuantizationMode
{
    /// <summary>Weights only (int8 per channel, or 4/3/2 bits group-wise); activations stay float.</summary>
    WeightOnly,
    /// <summary>Weights and activations in int8; activation ranges fixed from calibration batches (QDQ format).</summary>
    Static,
    /// <summary>Weights in int8; activation ranges computed per batch at run time (DynamicQuantizeLinear + MatMulInteger).</summary>
    Dynamic,
}

/// <summary>Settings of <see cref="QuantizationPass"/>.</summary>
/// <param name="Mode">what is quantized</param>
/// <param name="Bits">weight bit width (8; 4, 3, 2 for weight-only)</param>
/// <param name="Granularity">weight granularity</param>
/// <param name="GroupSize">values per group for group-wise weights</param>
/// <param name="Estimator">activation range estimator name (minmax, percentile, mse, entropy)</param>
/// <param name="FoldBatchNorms">fold Conv+BatchNormalization before quantizing</param>
/// <param name="LayerBits">per-node weight bits overriding <paramref name="Bits"/> (32 leaves the layer in float); set by <see cref="BudgetAllocation"/></param>
/// <param name="QuantizeRecurrent">store LSTM/GRU/RNN weights in int8 too (false keeps recurrent layers float, for models whose state amplifies weight error)</param>
/// <param name="WeightEstimator">clipping of each weight block (per channel or tensor) at 8 bits: minmax (the full
/// range) or mse (the clipping with the least squared weight error, searched per channel)</param>
/// <param name="BiasCorrection">correct each 8-bit layer's bias for the output mean shift its weight quantization causes (<see cref="Quantization.BiasCorrection"/>; needs calibration batches)</param>
public sealed record QuantizationOptions(
    QuantizationMode Mode = QuantizationMode.Static,
    int Bits = 8,
    Granularity Granularity = Granularity.Channel,
    int GroupSize = 32,
    string Estimator = "minmax",
    bool FoldBatchNorms = true,
    IReadOnlyDictionary<string, int>? LayerBits = null,
    bool BiasCorrection = false,
    bool QuantizeRecurrent = true,
    string WeightEstimator = "minmax");
