using Pare.Core;

namespace Pare.Compression.Quantization;

/// <summary>Uniform quantization of float tensors: choose scales per block, map values to integers (round half to
/// even, saturating), map back. Every method has this plain scalar form; fast integer kernels live in Core.</summary>
public static class Quantizer
{
    /// <summary>Scales and zero points for <paramref name="x"/> under <paramref name="scheme"/>, each block's range
    /// chosen by <paramref name="estimator"/> (min–max when null).</summary>
    public static QuantParams Calibrate(Tensor x, QuantScheme scheme, IRangeEstimator? estimator = null)
    {
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(scheme);
        scheme.Validate();
        estimator ??= RangeEstimators.MinMax;
        var layout = new BlockLayout(x.Shape, scheme);
        var blocks = layout.Split(x.Contiguous().AsSpan<float>());
        var scales = new float[blocks.Length];
        var zeroPoints = new int[blocks.Length];
        for (var b = 0; b < blocks.Length; b++)
        {
            var (lo, hi) = estimator.Estimate(blocks[b], scheme);
            (scales[b], zeroPoints[b]) = QuantParams.FromRange(scheme, lo, hi);
        }
        return new QuantParams(scheme, scales, zeroPoints);
    }

    /// <summary>The integer levels of <paramref name="x"/> (one int per element, within the scheme's range).</summary>
    public static int[] Quantize(Tensor x, QuantParams p)
    {
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(p);
        var layout = new BlockLayout(x.Shape, p.Scheme);
        var values = x.Contiguous().AsSpan<float>();
        var q = new int[values.Length];
        int qmin = p.Scheme.QMin, qmax = p.Scheme.QMax;
        for (var i = 0; i < values.Length; i++)
        {
            var b = layout.Of(i);
            q[i] = (int)Math.Clamp(MathF.Round(values[i] / p.Scales[b] + p.ZeroPoints[b], MidpointRounding.ToEven), qmin, qmax);
        }
        return q;
    }

    /// <summary>Float values of integer levels <paramref name="q"/> laid out as <paramref name="shape"/>.</summary>
    public static Tensor Dequantize(ReadOnlySpan<int> q, Shape shape, QuantParams p)
    {
        ArgumentNullException.ThrowIfNull(p);
        var layout = new BlockLayout(shape, p.Scheme);
        var x = new float[q.Length];
        for (var i = 0; i < q.Length; i++)
        {
            var b = layout.Of(i);
            x[i] = (q[i] - p.ZeroPoints[b]) * p.Scales[b];
        }
        return Tensor.Wrap(x, shape);
    }

    /// <summary>Quantize then dequantize: what the model computes with after quantization ("fake quant").</summary>
    public static Tensor FakeQuantize(Tensor x, QuantParams p)
    {
        ArgumentNullException.ThrowIfNull(x);
        return Dequantize(Quantize(x, p), x.Shape, p);
    }

    /// <summary>Packs levels of ≤ 4 bits two per byte (low nibble first), as ONNX stores int4/uint4; signed levels
    /// are stored in two's complement.</summary>
    public static byte[] PackNibbles(ReadOnlySpan<int> q)
    {
        var packed = new byte[(q.Length + 1) / 2];
        for (var i = 0; i < q.Length; i++)
            packed[i / 2] |= (byte)((q[i] & 0xF) << (i % 2 * 4));
        return packed;
    }

    /// <summary>Unpacks <paramref name="count"/> 4-bit levels (sign-extended when <paramref name="signed"/>).</summary>
    public static int[] UnpackNibbles(ReadOnlySpan<byte> packed, int count, bool signed)
    {
        var q = new int[count];
        for (var i = 0; i < count; i++)
        {
            var nibble = (packed[i / 2] >> (i % 2 * 4)) & 0xF;
            q[i] = signed && nibble >= 8 ? nibble - 16 : nibble;
        }
        return q;
    }
}
