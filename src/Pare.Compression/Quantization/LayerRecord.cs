namespace Pare.Compression.Quantization;

/// <summary>What a quantization pass did to one layer.</summary>
/// <param name="Node">node name</param>
/// <param name="OpType">op type of the node (Conv, Gemm, MatMul)</param>
/// <param name="Bits">weight bits (32 when left in float)</param>
/// <param name="WeightBytes">bytes of the weight as stored after quantization (packed levels + scales + zero points)</param>
/// <param name="FloatBytes">bytes of the weight in float32</param>
/// <param name="Error">relative RMS error of the weight after quantization (‖W − Ŵ‖ / ‖W‖)</param>
public sealed record LayerRecord(string Node, string OpType, int Bits, long WeightBytes, long FloatBytes, double Error);

/// <summary>The record of a quantization pass: per layer, and what was written.</summary>
/// <param name="Options">settings used</param>
/// <param name="Layers">one entry per quantized (or skipped) layer</param>
/// <param name="FoldedBatchNorms">batch norms folded into convolutions first</param>
/// <param name="CalibratedActivations">activations given static ranges</param>
public sealed record QuantizationRecord(QuantizationOptions Options, IReadOnlyList<LayerRecord> Layers, int FoldedBatchNorms, int CalibratedActivations)
{
    /// <summary>Layers whose bias was corrected for the weight quantization's output mean shift.</summary>
    public int BiasCorrected { get; init; }
}
