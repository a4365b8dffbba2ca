using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Pare.Core;
using Pare.Core.Kernels.QGemm;

namespace Pare.Graph.Ops.Onnx;

/// <summary>Fast paths of MatMulInteger, QLinearMatMul, ConvInteger and QLinearConv on Core's integer GEMM
/// (<see cref="QGemm"/>): the weight operand is packed once per tensor (cached while the tensor lives), int8
/// activations are shifted to uint8 (x ⊕ 0x80 with the zero point + 128, exact), and the QLinear forms requantize
/// inside the GEMM. Returns null for the cases it does not cover (the plain loops of <see cref="IntegerOps"/> run).</summary>
internal static class QuantizedGemm
{
    private sealed record Packs(int[] ZeroPoints, QGemmPackedB[] Groups);

    private static readonly ConditionalWeakTable<Tensor, Packs> Cache = new();

    /// <summary>(A − za)·(B − zb): int32 when <paramref name="rq"/> is null, else requantized.</summary>
    public static Tensor? MatMul(OpContext c, Tensor a, Tensor? aZero, Tensor b, Tensor? bZero, Requant? rq)
    {
        if (a.Rank < 2 || b.Rank != 2 || !Is8Bit(a) || !Is8Bit(b)) return null;
        int k = a.Dim(-1), n = b.Dim(1), m = a.Count / Math.Max(k, 1);
        if (b.Dim(0) != k || k == 0) return null;
        var za = ZeroPoints(c, aZero, a.Rank == 2 ? m : 1, "a_zero_point");
        var zb = ZeroPoints(c, bZero, n, "b_zero_point");
        if (za is null || zb is null || (rq is not null && !rq.Fits(n))) return null;
        var packed = Pack(b, zb, 1, (bs, z) => bs.DType == DType.Int8
            ? QGemmPackedB.Pack(bs.Contiguous().AsSpan<sbyte>(), k, n, n, false, z)
            : QGemmPackedB.Pack(bs.Contiguous().AsSpan<byte>(), k, n, n, false, z))[0];
        var au8 = AsUInt8(a, za);
        var dims = a.Shape.Dims.ToArray();
        dims[^1] = n;
        var shape = new Shape(dims);
        if (rq is null)
        {
            var y = new int[m * n];
            QGemm.Multiply(m, au8, k, za, packed, y, n);
            return Tensor.Wrap(y, shape);
        }
        return rq.Run(m * n, shape, bytes => QGemm.MultiplyRequantize(m, au8, k, za, packed, rq.Bias, rq.Multipliers, rq.ZeroPoint, rq.Signed, bytes, n, 1));
    }

    /// <summary>2-D conv(x − xz, w − wz) as, per image and group, im2colᵀ(x) (pixels × C/g·kH·kW, uint8, padded with
    /// the zero point) times the packed weights; the GEMM writes the NCHW output transposed (column stride = plane).</summary>
    public static Tensor? Conv(OpContext c, Tensor x, Tensor? xZero, Tensor w, Tensor? wZero, Spatial s, int groups, Requant? rq)
    {
        if (x.Rank != 4 || w.Rank != 4 || !Is8Bit(x) || !Is8Bit(w)) return null;
        int batch = x.Dim(0), ch = x.Dim(1), h = x.Dim(2), wd = x.Dim(3), mOut = w.Dim(0), kh = w.Dim(2), kw = w.Dim(3);
        if (groups < 1 || ch % groups != 0 || mOut % groups != 0 || w.Dim(1) != ch / groups) return null;
        int cg = ch / groups, mg = mOut / groups, kDim = cg * kh * kw;
        int outH = OutSize(h, s, 0), outW = OutSize(wd, s, 1), plane = outH * outW;
        if (outH < 1 || outW < 1 || kDim == 0) return null;
        var xz = ZeroPoints(c, xZero, 1, "x_zero_point");
        var wz = ZeroPoints(c, wZero, mOut, "w_zero_point");
        if (xz is null || wz is null || (rq is not null && !rq.Fits(mOut))) return null;
        var packs = Pack(w, wz, groups, (ws, z) =>
        {
            var result = new QGemmPackedB[groups];
            for (int g = 0; g < groups; g++)
            {
                var zg = z.Length == 1 ? z : z.AsSpan(g * mg, mg);
                result[g] = ws.DType == DType.Int8
                    ? QGemmPackedB.Pack(ws.Contiguous().AsSpan<sbyte>().Slice(g * mg * kDim, mg * kDim), kDim, mg, kDim, true, zg)
                    : QGemmPackedB.Pack(ws.Contiguous().AsSpan<byte>().Slice(g * mg * kDim, mg * kDim), kDim, mg, kDim, true, zg);
            }
            return result;
        });
        var xu8 = AsUInt8(x, xz);
        var cols = new byte[plane * kDim];
        var shape = new Shape(batch, mOut, outH, outW);
        int[]? acc = rq is null ? new int[batch * mOut * plane] : null;
        byte[] outBytes = rq is null ? [] : new byte[batch * mOut * plane];
        for (int b = 0; b < batch; b++)
            for (int g = 0; g < groups; g++)
            {
                Im2ColT(xu8.AsSpan((b * ch + g * cg) * h * wd, cg * h * wd), cg, h, wd, kh, kw, s, outH, outW, (byte)xz[0], cols);
                int offset = (b * mOut + g * mg) * plane;
                if (acc is not null)
                {
                    QGemm.MultiplyStrided(plane, cols, kDim, xz, packs[g], acc.AsSpan(offset), 1, plane);
                }
                else
                {
                    var mult = rq!.Multipliers.Length == 1 ? rq.Multipliers : rq.Multipliers.AsSpan(g * mg, mg);
                    var bias = rq.Bias.Length == 0 ? rq.Bias : rq.Bias.AsSpan(g * mg, mg);
                    QGemm.MultiplyRequantize(plane, cols, kDim, xz, packs[g], bias, mult, rq.ZeroPoint, rq.Signed, outBytes.AsSpan(offset), 1, plane);
                }
            }
        if (acc is not null) return Tensor.Wrap(acc, shape);
        return rq!.Signed ? Tensor.Wrap(MemoryMarshal.Cast<byte, sbyte>(outBytes).ToArray(), shape) : Tensor.Wrap(outBytes, shape);
    }

    /// <summary>The requantization of a QLinear op: per-column multipliers float32(scale_a·scale_b[j]) / scale_y,
    /// an optional int32 bias, the output zero point and signedness.</summary>
    internal sealed record Requant(float[] Multipliers, int[] Bias, int ZeroPoint, bool Signed)
    {
        public bool Fits(int n) => (Multipliers.Length == 1 || Multipliers.Length == n) && (Bias.Length == 0 || Bias.Length == n);

        public Tensor Run(int count, Shape shape, Action<Span<byte>> gemm)
        {
            if (Signed)
            {
                var y = new sbyte[count];
                gemm(MemoryMarshal.AsBytes(y.AsSpan()));
                return Tensor.Wrap(y, shape);
            }
            var u = new byte[count];
            gemm(u);
            return Tensor.Wrap(u, shape);
        }
    }

    // rows of the transposed im2col: one per output pixel, K = (c, ky, kx) values, padding = the zero point
    private static void Im2ColT(ReadOnlySpan<byte> x, int ch, int h, int w, int kh, int kw, Spatial s, int outH, int outW, byte pad, Span<byte> cols)
    {
        int kDim = ch * kh * kw;
        for (int oy = 0; oy < outH; oy++)
            for (int ox = 0; ox < outW; ox++)
            {
                var row = cols.Slice((oy * outW + ox) * kDim, kDim);
                int at = 0;
                for (int ci = 0; ci < ch; ci++)
                    for (int ky = 0; ky < kh; ky++)
                    {
                        int iy = oy * s.Strides[0] - s.Begin[0] + ky * s.Dilations[0];
                        for (int kx = 0; kx < kw; kx++, at++)
                        {
                            int ix = ox * s.Strides[1] - s.Begin[1] + kx * s.Dilations[1];
                            row[at] = iy >= 0 && iy < h && ix >= 0 && ix < w ? x[(ci * h + iy) * w + ix] : pad;
                        }
                    }
            }
    }

    private static int OutSize(int size, Spatial s, int axis)
    {
        long span = (long)size + s.Begin[axis] + s.End[axis] - (long)s.Dilations[axis] * (s.Kernel[axis] - 1) - 1;
        return span < 0 ? 0 : (int)(span / s.Strides[axis] + 1);
    }

    private static QGemmPackedB[] Pack(Tensor weight, int[] zeroPoints, int groups, Func<Tensor, int[], QGemmPackedB[]> pack)
    {
        if (Cache.TryGetValue(weight, out var hit) && hit.ZeroPoints.AsSpan().SequenceEqual(zeroPoints) && hit.Groups.Length == groups) return hit.Groups;
        var packs = new Packs(zeroPoints, pack(weight, zeroPoints));
        Cache.AddOrUpdate(weight, packs);
        return packs.Groups;
    }

    private static QGemmPackedB[] Pack(Tensor weight, int[] zeroPoints, int groups, Func<Tensor, int[], QGemmPackedB> pack) =>
        Pack(weight, zeroPoints, groups, (t, z) => new[] { pack(t, z) });

    // the values as uint8 (int8 shifted by +128, its zero points too: zp[] is updated in place)
    private static byte[] AsUInt8(Tensor t, int[] zeroPoints)
    {
        if (t.DType == DType.UInt8) return t.Contiguous().AsSpan<byte>().ToArray();
        var s = t.Contiguous().AsSpan<sbyte>();
        var r = new byte[s.Length];
        for (int i = 0; i < r.Length; i++) r[i] = (byte)(s[i] ^ unchecked((sbyte)0x80));
        for (int i = 0; i < zeroPoints.Length; i++) zeroPoints[i] += 128;
        return r;
    }

    // a zero point tensor as ints: absent → [0]; a scalar; or exactly `count` values in a 1-D tensor; else null
    private static int[]? ZeroPoints(OpContext c, Tensor? zero, int count, string what)
    {
        if (zero is null) return [0];
        if (!Is8Bit(zero)) return null;
        var z = c.IntsOf(zero, what);
        return z.Length == 1 || (z.Length == count && zero.Rank == 1) ? z : null;
    }

    private static bool Is8Bit(Tensor t) => t.DType is DType.Int8 or DType.UInt8;
}
