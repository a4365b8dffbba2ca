using System.Buffers;
using System.Numerics.Tensors;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using Pare.Core.Threading;

namespace Pare.Core.Kernels.Pool;

/// <summary>2-D average pooling over (H, W) planes, PyTorch's rule for the divisor: the window clipped to the
/// padded input when <c>countIncludePad</c>, else clipped to the input itself. Planes run in parallel in fixed
/// chunks. The forward sums a window's rows first (column sums, then across the columns), so its rounding differs
/// from a row-major sum by an ulp or so. Scalar twin: <see cref="PoolReference.AvgForward"/>.</summary>
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
        var inverses = new float[outPlane]; // 1 / divisor per output position, the same for every plane
        for (int oy = 0; oy < g.OutHeight; oy++)
            for (int ox = 0; ox < g.OutWidth; ox++)
                inverses[oy * g.OutWidth + ox] = Scale(countIncludePad, rows[oy].End - rows[oy].Start, cols[ox].End - cols[ox].Start, rows[oy].Padded, cols[ox].Padded);
        // outputs [0, pairEnd) of a row read exactly inputs [2·ox, 2·ox + 2) of it
        bool pairs = Avx512F.IsSupported && g.KernelW == 2 && g.StrideW == 2 && g.PadW == 0;
        int pairEnd = Math.Min(g.OutWidth, g.InWidth / 2);
        fixed (float* px0 = x, py0 = y, inv0 = inverses)
        {
            float* px = px0, py = py0, inverse = inv0;
            Parallelism.For((g.Planes + chunk - 1) / chunk, c =>
            {
                // a window's rows are first summed as whole vectors into one row, then each window sums its columns
                // of that row: kH·W vector adds and OutW·kW scalar adds per output row instead of OutW·kH·kW scalar
                float[] rent = ArrayPool<float>.Shared.Rent(geo.InWidth);
                fixed (float* rowSum = rent)
                {
                    for (int p = c * chunk, end = Math.Min(geo.Planes, p + chunk); p < end; p++)
                    {
                        float* xp = px + (long)p * inPlane, yp = py + (long)p * outPlane;
                        for (int oy = 0; oy < geo.OutHeight; oy++)
                        {
                            var (y0, y1, hPadded) = rows[oy];
                            float* r = y1 - y0 == 1 ? xp + y0 * geo.InWidth : rowSum;
                            if (y1 - y0 > 1)
                            {
                                var acc = new Span<float>(rowSum, geo.InWidth);
                                TensorPrimitives.Add(new ReadOnlySpan<float>(xp + y0 * geo.InWidth, geo.InWidth),
                                    new ReadOnlySpan<float>(xp + (y0 + 1) * geo.InWidth, geo.InWidth), acc);
                                for (int iy = y0 + 2; iy < y1; iy++)
                                    TensorPrimitives.Add(acc, new ReadOnlySpan<float>(xp + iy * geo.InWidth, geo.InWidth), acc);
                            }
                            float* yr = yp + oy * geo.OutWidth;
                            int ox = 0;
                            if (pairs && y1 > y0)
                            {
                                // 2-wide windows at stride 2 inside the row: 16 outputs from 32 inputs per step
                                var even = Vector512.Create(0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30);
                                var odd = even + Vector512<int>.One;
                                for (; ox + 16 <= pairEnd; ox += 16)
                                {
                                    float* at = r + cols[ox].Start;
                                    Vector512<float> a = Vector512.Load(at), b = Vector512.Load(at + 16);
                                    var sum = Avx512F.PermuteVar16x32x2(a, even, b) + Avx512F.PermuteVar16x32x2(a, odd, b);
                                    (sum * Vector512.Load(inverse + oy * geo.OutWidth + ox)).Store(yr + ox);
                                }
                            }
                            for (; ox < geo.OutWidth; ox++)
                            {
                                var (x0, x1, _) = cols[ox];
                                float sum = 0;
                                if (y1 > y0)
                                    for (int ix = x0; ix < x1; ix++) sum += r[ix];
                                yr[ox] = sum * inverse[oy * geo.OutWidth + ox];
                            }
                        }
                    }
                }
                ArrayPool<float>.Shared.Return(rent);
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
