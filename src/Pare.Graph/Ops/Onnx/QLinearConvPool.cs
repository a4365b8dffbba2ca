using System.Runtime.InteropServices;
using Pare.Core;
using Pare.Core.Kernels.Pool;

namespace Pare.Graph.Ops.Onnx;

/// <summary>com.pare QLinearConvMaxPool(QLinearConv's inputs and attributes): MaxPool(kernel 2×2, stride 2, no
/// padding, floor mode) of QLinearConv's output. Written only by the inference optimizer
/// (<see cref="Optimization.QLinearConvPoolFusion"/>). The fast path pools the int32 sums before requantizing
/// (exact: the requantization never decreases with the sum when the multipliers are ≥ 0); otherwise the conv runs as
/// QLinearConv and its bytes are pooled.</summary>
internal static class QLinearConvPool
{
    /// <summary>The op's name.</summary>
    public const string OpType = "QLinearConvMaxPool";

    /// <summary>Domain of the op (Pare's own inference-only ops).</summary>
    public const string Domain = QuantizedLookup.Domain;

    [OnnxOp(OpType, Domain = Domain)]
    public static Tensor?[] Run(OpContext c)
    {
        if (IntegerOps.PooledQLinearConv(c) is { } fast) return [fast];
        var y = IntegerOps.QLinearConv(c)[0]!;
        if (y.Rank != 4 || y.Dim(2) < 2 || y.Dim(3) < 2) throw c.Fail($"needs a 2-D conv output of at least 2×2 to pool, got {y.Shape}");
        int n = y.Dim(0), ch = y.Dim(1), h = y.Dim(2), w = y.Dim(3);
        var shape = new Shape(n, ch, h / 2, w / 2);
        bool signed = y.DType == DType.Int8;
        var pooled = signed ? Tensor.Wrap(TensorMemory.Uninitialized<sbyte>(shape.ElementCount), shape) : Tensor.Wrap(TensorMemory.Uninitialized<byte>(shape.ElementCount), shape);
        MaxPoolBytes.Run(Bytes(y), n * ch, h, w, 2, 2, 2, 2, signed, Bytes(pooled));
        return [pooled];
    }

    private static Span<byte> Bytes(Tensor t) => t.DType == DType.UInt8 ? t.AsSpan<byte>() : MemoryMarshal.AsBytes(t.AsSpan<sbyte>());
}
