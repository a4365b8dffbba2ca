namespace Pare.Graph.Ops.Onnx;

/// <summary>One direction's recurrence weights in the form <see cref="RecurrentNode.AddRecurrent"/> multiplies:
/// either R's (G·H, H) rows as stored, or Rᵀ (H, G·H) when <see cref="Transposed"/> is set.</summary>
/// <param name="Rows">(G·H, H) row-major; empty when <paramref name="Transposed"/> is set</param>
/// <param name="Transposed">(H, G·H) row-major, or null to use <paramref name="Rows"/></param>
internal sealed record RecurrentWeights(ReadOnlyMemory<float> Rows, float[]? Transposed);
