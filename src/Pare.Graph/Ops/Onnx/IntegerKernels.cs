using Pare.Core;

namespace Pare.Graph.Ops.Onnx;

/// <summary>Plain int32-accumulating loops behind the integer ops (MatMulInteger, ConvInteger and their QLinear
/// forms). Zero points are subtracted before these run. Int8 kernels with VNNI will replace them.</summary>
internal static class IntegerKernels
{
    /// <summary>numpy.matmul on ints: (…, M, K)·(…, K, N) → (broadcast …, M, N); operands already ≥ 2-D.</summary>
    /// <param name="a">(…, M, K) row-major</param>
    /// <param name="aShape">shape of a</param>
    /// <param name="b">(…, K, N) row-major</param>
    /// <param name="bShape">shape of b</param>
    /// <returns>the product and its shape</returns>
    public static (int[] Values, Shape Shape) MatMul(int[] a, Shape aShape, int[] b, Shape bShape)
    {
        int m = aShape[-2], k = aShape[-1], n = bShape[-1];
        if (bShape[-2] != k) throw new ArgumentException($"inner dimensions differ for shapes {aShape} and {bShape}");
        var aBatch = new Shape(aShape.Dims[..^2]);
        var bBatch = new Shape(bShape.Dims[..^2]);
        var batch = Shape.Broadcast(aBatch, bBatch);
        var aOffsets = BatchOffsets(batch, aBatch, m * k);
        var bOffsets = BatchOffsets(batch, bBatch, k * n);
        var c = new int[batch.ElementCount * m * n];
        for (int t = 0; t < aOffsets.Length; t++)
        {
            int ao = aOffsets[t], bo = bOffsets[t], co = t * m * n;
            for (int i = 0; i < m; i++)
                for (int p = 0; p < k; p++)
                {
                    int av = a[ao + i * k + p];
                    if (av == 0) continue;
                    int br = bo + p * n, cr = co + i * n;
                    for (int j = 0; j < n; j++) c[cr + j] += av * b[br + j];
                }
        }
        var dims = new int[batch.Rank + 2];
        batch.Dims.CopyTo(dims);
        dims[^2] = m;
        dims[^1] = n;
        return (c, new Shape(dims));
    }

    /// <summary>For each index of the broadcast batch, the offset of the matching matrix in an operand whose
    /// batch shape is <paramref name="own"/> (right-aligned, size-1 dimensions repeat).</summary>
    private static int[] BatchOffsets(Shape batch, Shape own, int matrix)
    {
        var offsets = new int[batch.ElementCount];
        var index = new int[batch.Rank];
        for (int t = 0; t < offsets.Length; t++)
        {
            int offset = 0, stride = matrix;
            for (int d = batch.Rank - 1, o = own.Rank - 1; o >= 0; d--, o--)
            {
                if (own[o] != 1) offset += index[d] * stride;
                stride *= own[o];
            }
            offsets[t] = offset;
            for (int d = batch.Rank - 1; d >= 0 && ++index[d] == batch[d]; d--) index[d] = 0;
        }
        return offsets;
    }

    /// <summary>Direct 2-D convolution on ints (cross-correlation, zeros outside x).</summary>
    /// <param name="x">(N, C, H, W) row-major</param>
    /// <param name="xShape">(N, C, H, W)</param>
    /// <param name="w">(M, C/groups, kH, kW) row-major</param>
    /// <param name="wShape">(M, C/groups, kH, kW)</param>
    /// <param name="s">2-D window attributes (kernel from w)</param>
    /// <param name="groups">channel groups</param>
    /// <returns>(N, M, OutH, OutW) and its shape</returns>
    public static (int[] Values, Shape Shape) Conv2d(int[] x, Shape xShape, int[] w, Shape wShape, Spatial s, int groups)
    {
        int n = xShape[0], ch = xShape[1], h = xShape[2], wd = xShape[3], m = wShape[0], kh = wShape[2], kw = wShape[3];
        int cg = ch / groups, mg = m / groups;
        if (ch % groups != 0 || m % groups != 0 || wShape[1] != cg)
            throw new ArgumentException($"weight {wShape} does not fit x {xShape} with groups {groups}");
        int outH = ConvOut(h, s, 0), outW = ConvOut(wd, s, 1);
        if (outH < 1 || outW < 1) throw new ArgumentException($"output size ({outH}, {outW}) is too small for x {xShape} and weight {wShape}");
        var y = new int[n * m * outH * outW];
        for (int b = 0; b < n; b++)
            for (int o = 0; o < m; o++)
            {
                int g = o / mg, yBase = (b * m + o) * outH * outW;
                for (int oy = 0; oy < outH; oy++)
                    for (int ox = 0; ox < outW; ox++)
                    {
                        int acc = 0;
                        for (int ci = 0; ci < cg; ci++)
                        {
                            int xPlane = (b * ch + g * cg + ci) * h * wd, wPlane = (o * cg + ci) * kh * kw;
                            for (int ky = 0; ky < kh; ky++)
                            {
                                int iy = oy * s.Strides[0] - s.Begin[0] + ky * s.Dilations[0];
                                if (iy < 0 || iy >= h) continue;
                                for (int kx = 0; kx < kw; kx++)
                                {
                                    int ix = ox * s.Strides[1] - s.Begin[1] + kx * s.Dilations[1];
                                    if (ix >= 0 && ix < wd) acc += x[xPlane + iy * wd + ix] * w[wPlane + ky * kw + kx];
                                }
                            }
                        }
                        y[yBase + oy * outW + ox] = acc;
                    }
            }
        return (y, new Shape(n, m, outH, outW));
    }

    private static int ConvOut(int size, Spatial s, int axis)
    {
        long span = (long)size + s.Begin[axis] + s.End[axis] - (long)s.Dilations[axis] * (s.Kernel[axis] - 1) - 1;
        return span < 0 ? 0 : (int)(span / s.Strides[axis] + 1);
    }
}
