using System.Numerics.Tensors;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using Pare.Core.Threading;

namespace Pare.Core.Kernels.Pool;

/// <summary>2-D average pooling over (H, W) planes, PyTorch's rule for the divisor: the window clipped to the
/// padded input when <c>countIncludePad</c>, else clipped to the input itself. Planes run in parallel in fixed
/// chunks. Scalar twin: <see cref="PoolReference.AvgForward"/>.</summary>
public static unsafe class AvgPool2d
{
    /// <summary>y = mean over each window.</summary>
    /// <param name="g">geometry (dilation must be 1)</param>
    /// <param name="x">(N·C, H, W)</param>
    /// <param name="countIncludePad">divide by the window size including padding</param>
    /// <param name="y">(N·C, OutH, OutW), overwritten</param>
    public static void Forward(in PoolGeometry g, ReadOnlySpan<float> x, bool countIncludePad, Span<float> y)
    {
        g.Check(x.Length, y.Length);
        if (y.IsEmpty) return;
        var geo = g;
        var rows = Windows(g.OutHeight, g.StrideH, g.PadH, g.KernelH, g.InHeight);
        var cols = Windows(g.OutWidth, g.StrideW, g.PadW, g.KernelW, g.InWidth);
        int inPlane = g.InHeight * g.InWidth, outPlane = g.OutHeight * g.OutWidth, chunk = MaxPool2d.PlanesPerChunk(inPlane);
        // every column window whole (no left padding, none past the right edge): 16 outputs a step (VectorRow)
        bool vectorCols = Avx512F.IsSupported && g.PadW == 0 && g.StrideW is 1 or 2 && (long)(g.OutWidth - 1) * g.StrideW + g.KernelW <= g.InWidth;
        fixed (float* px0 = x, py0 = y)
        {
            float* px = px0, py = py0;
            Parallelism.For((g.Planes + chunk - 1) / chunk, c =>
            {
                for (int p = c * chunk, end = Math.Min(geo.Planes, p + chunk); p < end; p++)
                {
                    float* xp = px + (long)p * inPlane, yp = py + (long)p * outPlane;
                    for (int oy = 0; oy < geo.OutHeight; oy++)
                    {
                        var (y0, y1, hPadded) = rows[oy];
                        int ox = vectorCols ? VectorRow(geo, xp, yp + oy * geo.OutWidth, y0, y1, Scale(countIncludePad, y1 - y0, geo.KernelW, hPadded, geo.KernelW)) : 0;
                        for (; ox < geo.OutWidth; ox++)
                        {
                            var (x0, x1, wPadded) = cols[ox];
                            float sum = 0;
                            for (int iy = y0; iy < y1; iy++)
                            {
                                float* r = xp + iy * geo.InWidth;
                                for (int ix = x0; ix < x1; ix++) sum += r[ix];
                            }
                            yp[oy * geo.OutWidth + ox] = sum * Scale(countIncludePad, y1 - y0, x1 - x0, hPadded, wPadded);
                        }
                    }
                }
            });
        }
    }

    /// <summary>dx: each output's gradient spread evenly (by the same divisor) over its window.</summary>
    /// <param name="g">geometry</param>
    /// <param name="dy">(N·C, OutH, OutW)</param>
    /// <param name="countIncludePad">as in the forward</param>
    /// <param name="dx">(N·C, H, W), overwritten</param>
    public static void Backward(in PoolGeometry g, ReadOnlySpan<float> dy, bool countIncludePad, Span<float> dx)
    {
        g.Check(dx.Length, dy.Length);
        if (dx.IsEmpty) return;
        var geo = g;
        var rows = Windows(g.OutHeight, g.StrideH, g.PadH, g.KernelH, g.InHeight);
        var cols = Windows(g.OutWidth, g.StrideW, g.PadW, g.KernelW, g.InWidth);
        int inPlane = g.InHeight * g.InWidth, outPlane = g.OutHeight * g.OutWidth, chunk = MaxPool2d.PlanesPerChunk(inPlane);
        fixed (float* pdy0 = dy, pdx0 = dx)
        {
            float* pdy = pdy0, pdx = pdx0;
            Parallelism.For((g.Planes + chunk - 1) / chunk, c =>
            {
                for (int p = c * chunk, end = Math.Min(geo.Planes, p + chunk); p < end; p++)
                {
                    float* dyp = pdy + (long)p * outPlane, dxp = pdx + (long)p * inPlane;
                    new Span<float>(dxp, inPlane).Clear();
                    for (int oy = 0; oy < geo.OutHeight; oy++)
                    {
                        var (y0, y1, hPadded) = rows[oy];
                        for (int ox = 0; ox < geo.OutWidth; ox++)
                        {
                            var (x0, x1, wPadded) = cols[ox];
                            float v = dyp[oy * geo.OutWidth + ox] * Scale(countIncludePad, y1 - y0, x1 - x0, hPadded, wPadded);
                            for (int iy = y0; iy < y1; iy++)
                            {
                                float* r = dxp + iy * geo.InWidth;
                                for (int ix = x0; ix < x1; ix++) r[ix] += v;
                            }
                        }
                    }
                }
            });
        }
    }

    // 1 / divisor: the window clipped to the padded input (PyTorch's count_include_pad) or to the input itself.
    // y[ox] for whole 16-output blocks of one output row whose column windows are all whole: the window's values
    // added in the scalar loop's order (rows y0..y1, each left to right, from +0) in 16 lanes, then · scale — the
    // same float operations, so the same bits. Stride 2: the 32 values from the tap's column, even lanes kept
    // (vpermt2ps). Returns the outputs done (the rest go to the scalar loop).
    private static int VectorRow(in PoolGeometry g, float* xp, float* yRow, int y0, int y1, float scale)
    {
        int ox = 0, sw = g.StrideW, kw = g.KernelW;
        var even = Vector512.Create(0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30);
        var vs = Vector512.Create(scale);
        // the last value a block reads: column sw·ox + kw − 1 + (stride 2: 31, else 15)
        for (; ox + 16 <= g.OutWidth && (long)sw * ox + kw - 1 + 16 * sw - 1 < g.InWidth; ox += 16)
        {
            var sum = Vector512<float>.Zero;
            for (int iy = y0; iy < y1; iy++)
            {
                float* r = xp + (long)iy * g.InWidth + (long)sw * ox;
                for (int kx = 0; kx < kw; kx++)
                {
                    var v = sw == 1 ? Vector512.Load(r + kx) : Avx512F.PermuteVar16x32x2(Vector512.Load(r + kx), even, Vector512.Load(r + kx + 16));
                    sum = Avx512F.Add(sum, v);
                }
            }
            Avx512F.Multiply(sum, vs).Store(yRow + ox);
        }
        return ox;
    }

    private static float Scale(bool countIncludePad, int h, int w, int hPadded, int wPadded)
    {
        int divisor = countIncludePad ? hPadded * wPadded : h * w;
        return divisor > 0 ? 1f / divisor : 0f;
    }

    /// <summary>Along one axis, for every output index: the input range [start, end) its window covers and the
    /// window's length clipped to the padded input (ceil mode can push a window past the padding).</summary>
    internal static (int Start, int End, int Padded)[] Windows(int outSize, int stride, int pad, int kernel, int inSize)
    {
        var result = new (int, int, int)[outSize];
        for (int o = 0; o < outSize; o++)
        {
            int start = o * stride - pad, end = Math.Min(start + kernel, inSize + pad);
            int padded = end - start;
            start = Math.Max(start, 0);
            end = Math.Max(start, Math.Min(end, inSize));
            result[o] = (start, end, padded);
        }
        return result;
    }

    /// <summary>Global average pooling: y[p] = mean of plane p.</summary>
    /// <param name="x">(N·C, H·W)</param>
    /// <param name="planeSize">H·W</param>
    /// <param name="y">(N·C), overwritten</param>
    public static void GlobalForward(ReadOnlySpan<float> x, int planeSize, Span<float> y)
    {
        if (planeSize < 1 || x.Length != (long)y.Length * planeSize)
            throw new ArgumentException($"global average pool: x holds {x.Length} values, y {y.Length}, plane size {planeSize}");
        float scale = 1f / planeSize;
        int chunk = MaxPool2d.PlanesPerChunk(planeSize), planes = y.Length;
        if (planes <= chunk)
        {
            for (int p = 0; p < planes; p++) y[p] = TensorPrimitives.Sum(x.Slice(p * planeSize, planeSize)) * scale;
            return;
        }
        // a memory-bound row sum per plane: planes spread over the threads in fixed chunks (each plane's sum is the
        // same whichever thread takes it)
        fixed (float* px0 = x, py0 = y)
        {
            float* px = px0, py = py0;
            Parallelism.For((planes + chunk - 1) / chunk, c =>
            {
                for (int p = c * chunk, end = Math.Min(planes, p + chunk); p < end; p++)
                    py[p] = TensorPrimitives.Sum(new ReadOnlySpan<float>(px + (long)p * planeSize, planeSize)) * scale;
            });
        }
    }

    /// <summary>Backward of <see cref="GlobalForward"/>: dx[p, ·] = dy[p] / (H·W).</summary>
    /// <param name="dy">(N·C)</param>
    /// <param name="planeSize">H·W</param>
    /// <param name="dx">(N·C, H·W), overwritten</param>
    public static void GlobalBackward(ReadOnlySpan<float> dy, int planeSize, Span<float> dx)
    {
        if (planeSize < 1 || dx.Length != (long)dy.Length * planeSize)
            throw new ArgumentException($"global average pool: dx holds {dx.Length} values, dy {dy.Length}, plane size {planeSize}");
        float scale = 1f / planeSize;
        int chunk = MaxPool2d.PlanesPerChunk(planeSize), planes = dy.Length;
        fixed (float* pdy0 = dy, pdx0 = dx)
        {
            float* pdy = pdy0, pdx = pdx0;
            Parallelism.For((planes + chunk - 1) / chunk, c =>
            {
                for (int p = c * chunk, end = Math.Min(planes, p + chunk); p < end; p++)
                    new Span<float>(pdx + (long)p * planeSize, planeSize).Fill(pdy[p] * scale);
            });
        }
    }
}
