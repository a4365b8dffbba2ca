using System.Numerics.Tensors;
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
        int inPlane = g.InHeight * g.InWidth, outPlane = g.OutHeight * g.OutWidth, chunk = MaxPool2d.PlanesPerChunk(inPlane);
        fixed (float* px0 = x, py0 = y)
        {
            float* px = px0, py = py0;
            Parallelism.For((g.Planes + chunk - 1) / chunk, c =>
            {
                for (int p = c * chunk, end = Math.Min(geo.Planes, p + chunk); p < end; p++)
                {
                    var yp = new Span<float>(py + (long)p * outPlane, outPlane);
                    for (int oy = 0; oy < geo.OutHeight; oy++)
                    {
                        for (int ox = 0; ox < geo.OutWidth; ox++)
                        {
                            Window(geo, oy, ox, countIncludePad, out int y0, out int y1, out int x0, out int x1, out float scale);
                            float sum = 0;
                            for (int iy = y0; iy < y1; iy++)
                            {
                                float* r = px + (long)p * inPlane + iy * geo.InWidth;
                                for (int ix = x0; ix < x1; ix++) sum += r[ix];
                            }
                            yp[oy * geo.OutWidth + ox] = sum * scale;
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
        int inPlane = g.InHeight * g.InWidth, outPlane = g.OutHeight * g.OutWidth, chunk = MaxPool2d.PlanesPerChunk(inPlane);
        fixed (float* pdy0 = dy, pdx0 = dx)
        {
            float* pdy = pdy0, pdx = pdx0;
            Parallelism.For((g.Planes + chunk - 1) / chunk, c =>
            {
                for (int p = c * chunk, end = Math.Min(geo.Planes, p + chunk); p < end; p++)
                {
                    var dyp = new ReadOnlySpan<float>(pdy + (long)p * outPlane, outPlane);
                    var dxp = new Span<float>(pdx + (long)p * inPlane, inPlane);
                    dxp.Clear();
                    for (int oy = 0; oy < geo.OutHeight; oy++)
                    {
                        for (int ox = 0; ox < geo.OutWidth; ox++)
                        {
                            Window(geo, oy, ox, countIncludePad, out int y0, out int y1, out int x0, out int x1, out float scale);
                            float v = dyp[oy * geo.OutWidth + ox] * scale;
                            for (int iy = y0; iy < y1; iy++)
                            {
                                var seg = dxp.Slice(iy * geo.InWidth + x0, x1 - x0);
                                for (int i = 0; i < seg.Length; i++) seg[i] += v;
                            }
                        }
                    }
                }
            });
        }
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
        for (int p = 0; p < y.Length; p++) y[p] = TensorPrimitives.Sum(x.Slice(p * planeSize, planeSize)) * scale;
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
        for (int p = 0; p < dy.Length; p++) dx.Slice(p * planeSize, planeSize).Fill(dy[p] * scale);
    }

    /// <summary>Window of output (oy, ox) clipped to the input: rows [y0, y1), columns [x0, x1), and 1/divisor.</summary>
    internal static void Window(in PoolGeometry g, int oy, int ox, bool countIncludePad, out int y0, out int y1, out int x0, out int x1, out float scale)
    {
        y0 = oy * g.StrideH - g.PadH;
        x0 = ox * g.StrideW - g.PadW;
        y1 = Math.Min(y0 + g.KernelH, g.InHeight + g.PadH);
        x1 = Math.Min(x0 + g.KernelW, g.InWidth + g.PadW);
        int padded = (y1 - y0) * (x1 - x0);
        y0 = Math.Max(y0, 0);
        x0 = Math.Max(x0, 0);
        y1 = Math.Min(y1, g.InHeight);
        x1 = Math.Min(x1, g.InWidth);
        int divisor = countIncludePad ? padded : (y1 - y0) * (x1 - x0);
        scale = divisor > 0 ? 1f / divisor : 0f;
        y1 = Math.Max(y1, y0);
        x1 = Math.Max(x1, x0);
    }
}
