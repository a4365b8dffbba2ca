using Pare.Core;
using Pare.Core.Kernels.QGemm;

namespace Pare.Graph.Ops.Onnx;

/// <summary>ONNX Runtime's com.microsoft MatMulNBits (weight-only block quantization): Y = A · dequant(B)ᵀ + bias,
/// dequant(B)[n, k] = (code − zero_point)·scale per block of block_size k values. 4-bit codes run on
/// <see cref="Int4Gemm"/>, which unpacks them on the fly. Not differentiable (an inference op).</summary>
internal static class MatMulNBitsOp
{
    /// <summary>MatMulNBits(A, B, scales, zero_points?, g_idx?, bias?) with attributes K, N, bits, block_size.</summary>
    [OnnxOp("MatMulNBits", Domain = "com.microsoft")]
    public static Tensor?[] MatMulNBits(OpContext c)
    {
        var (a, b, scales) = (c.Input(0), c.Input(1), c.Input(2));
        var (zeroPoints, gIdx, bias) = (c.OptionalInput(3), c.OptionalInput(4), c.OptionalInput(5));
        var at = c.Attributes;
        long k = at.Int("K"), n = at.Int("N"), bits = at.Int("bits", 4), blockSize = at.Int("block_size");
        if (bits != 4) throw c.Unsupported($"bits = {bits} is not supported (4 is)");
        if (gIdx is not null) throw c.Unsupported("g_idx (act-order) is not supported");
        if (blockSize < 16 || (blockSize & (blockSize - 1)) != 0) throw c.Fail($"block_size {blockSize} must be a power of two ≥ 16");
        if (k < 1 || n < 1 || k > int.MaxValue || n > int.MaxValue) throw c.Fail($"K {k} and N {n} must be positive");
        if (a.DType != DType.Float32) throw c.Unsupported($"A of type {a.DType.Name()} is not supported (float32 is)");
        if (a.Rank < 1 || a.Dim(-1) != k) throw c.Fail($"A {a.Shape}: the last dimension must be K = {k}");
        int blocks = (int)((k + blockSize - 1) / blockSize), half = (int)blockSize / 2;
        if (b.DType != DType.UInt8 || b.Count != n * blocks * half)
            throw c.Fail($"B must be uint8 ({n}, {blocks}, {half}), got {b.DType.Name()} {b.Shape}");
        var s = c.FloatsOf(scales, "scales");
        if (s.Length != n * blocks) throw c.Fail($"scales has {s.Length} values, expected N·blocks = {n * blocks}");
        byte[] zp = zeroPoints is null ? [] : ZeroPoints(c, zeroPoints, (int)n, blocks);
        float[] biasValues = bias is null ? [] : c.FloatsOf(bias, "bias");
        if (biasValues.Length is not 0 && biasValues.Length != n) throw c.Fail($"bias has {biasValues.Length} values, expected N = {n}");
        int m = a.Count / (int)k;
        var y = new float[m * n];
        Int4Gemm.Multiply(m, (int)n, (int)k, a.Contiguous().AsSpan<float>(), (int)k, b.Contiguous().AsSpan<byte>(), s, zp, (int)blockSize,
            biasValues, y, (int)n);
        var dims = a.Shape.Dims.ToArray();
        dims[^1] = (int)n;
        return [Tensor.Wrap(y, new Shape(dims))];
    }

    // uint8 zero points packed two per byte (low nibble first), ⌈blocks/2⌉ bytes per column; or float ones (N, blocks)
    private static byte[] ZeroPoints(OpContext c, Tensor zeroPoints, int n, int blocks)
    {
        var zp = new byte[n * blocks];
        if (zeroPoints.DType == DType.UInt8)
        {
            int perColumn = (blocks + 1) / 2;
            if (zeroPoints.Count != n * perColumn) throw c.Fail($"zero_points has {zeroPoints.Count} bytes, expected N·⌈blocks/2⌉ = {n * perColumn}");
            var packed = zeroPoints.Contiguous().AsSpan<byte>();
            for (int j = 0; j < n; j++)
                for (int g = 0; g < blocks; g++)
                {
                    byte v = packed[j * perColumn + g / 2];
                    zp[j * blocks + g] = (byte)(g % 2 == 0 ? v & 15 : v >> 4);
                }
            return zp;
        }
        var f = c.FloatsOf(zeroPoints, "zero_points");
        if (f.Length != n * blocks) throw c.Fail($"zero_points has {f.Length} values, expected N·blocks = {n * blocks}");
        for (int i = 0; i < f.Length; i++)
        {
            if (f[i] != MathF.Round(f[i]) || f[i] < 0 || f[i] > 15) throw c.Unsupported($"float zero point {f[i]} is not an integer code 0..15");
            zp[i] = (byte)f[i];
        }
        return zp;
    }
}
