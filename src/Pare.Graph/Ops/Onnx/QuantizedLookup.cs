using System.Runtime.InteropServices;
using Pare.Core;
using Pare.Core.Kernels.Quantize;

namespace Pare.Graph.Ops.Onnx;

/// <summary>com.pare QuantizedLookup(x, table): y[i] = table[channel(i), byte(x[i])] — an elementwise function of an 8-bit
/// tensor tabulated once (256 entries per channel). Written only by the inference optimizer
/// (<see cref="Optimization.QdqChainFusion"/>) for DequantizeLinear → float elementwise ops → QuantizeLinear chains.
/// table: (C, 256) int8 or uint8 (the output type); C = 1, or the size of the axis <c>axis_from_end</c> places from the
/// end of x's shape (1 = the last axis). A (1, 256) float32 table gives a float output (DequantizeLinear → float
/// elementwise ops whose result is read by float ops).</summary>
internal static class QuantizedLookup
{
    /// <summary>Domain of Pare's own inference-only ops.</summary>
    public const string Domain = "com.pare";

    [OnnxOp("QuantizedLookup", Domain = Domain)]
    public static Tensor?[] Run(OpContext c)
    {
        var (x, table) = (c.Input(0), c.Input(1));
        if (table.DType == DType.Float32)
        {
            // a byte → float table (one channel): the float result of DequantizeLinear → elementwise ops
            if (x.DType is not (DType.Int8 or DType.UInt8) || table.Rank != 2 || table.Dim(0) != 1 || table.Dim(1) != 256)
                throw c.Fail($"needs an 8-bit x and a (1, 256) float table, got {x.DType.Name()} {x.Shape} and {table.Shape}");
            var f = TensorMemory.Uninitialized<float>(x.Count);
            FloatLookup.RunParallel(Bytes(x.Contiguous()), table.Contiguous().AsSpan<float>(), f);
            return [Tensor.Wrap(f, x.Shape)];
        }
        if (x.DType is not (DType.Int8 or DType.UInt8) || table.DType is not (DType.Int8 or DType.UInt8) || table.Rank != 2 || table.Dim(1) != 256)
            throw c.Fail($"needs an 8-bit x and a (C, 256) 8-bit table, got {x.DType.Name()} {x.Shape} and {table.DType.Name()} {table.Shape}");
        int channels = table.Dim(0), inner = 1;
        if (channels > 1)
        {
            int axis = x.Rank - (int)c.Attributes.Int("axis_from_end", 1);
            if (axis < 0 || axis >= x.Rank || x.Shape[axis] != channels) throw c.Fail($"table of {channels} channels does not fit x {x.Shape}");
            for (int d = axis + 1; d < x.Rank; d++) inner *= x.Shape[d];
        }
        var src = Bytes(x.Contiguous());
        var tab = Bytes(table.Contiguous());
        if (table.DType == DType.UInt8)
        {
            var u = TensorMemory.Uninitialized<byte>(x.Count);
            LinearQuantizer.LookupParallel(src, tab, channels, inner, u);
            return [Tensor.Wrap(u, x.Shape)];
        }
        var s = TensorMemory.Uninitialized<sbyte>(x.Count);
        LinearQuantizer.LookupParallel(src, tab, channels, inner, MemoryMarshal.AsBytes(s.AsSpan()));
        return [Tensor.Wrap(s, x.Shape)];
    }

    private static ReadOnlySpan<byte> Bytes(Tensor t) => t.DType == DType.UInt8 ? t.AsSpan<byte>() : MemoryMarshal.AsBytes(t.AsSpan<sbyte>());
}
