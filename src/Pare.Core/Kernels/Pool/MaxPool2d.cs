using Pare.Core.Threading;

namespace Pare.Core.Kernels.Pool;

/// <summary>2-D max pooling over (H, W) planes with the argmax (flat index iy·W + ix inside the plane, as
/// PyTorch returns it) kept for the backward. Padding never wins; NaN wins and propagates, like PyTorch.
/// Planes run in parallel in fixed chunks; 2×2 stride-2 windows take the SIMD path of <see cref="MaxPool2x2"/>.
/// Scalar twin: <see cref="PoolReference.MaxForward"/>.</summary>
public static unsafe class MaxPool2d
{
    /// <summary>y = max over each window, argmax = its position.</summary>
    /// <param name="g">geometry</param>
    /// <param name="x">(N·C, H, W)</param>
    /// <param name="y">(N·C, OutH, OutW), overwritten</param>
    /// <param name="argmax">(N·C, OutH, OutW), overwritten with iy·W + ix</param>
    public static void Forward(in PoolGeometry g, ReadOnlySpan<float> x, Span<float> y, Span<int> argmax)
    {
        g.Check(x.Length, y.Length);
        if (argmax.Length != y.Length) throw new ArgumentException($"argmax holds {argmax.Length} values for an output of {y.Length}");
        if (y.IsEmpty) return;
        var geo = g;
        int inPlane = g.InHeight * g.InWidth, outPlane = g.OutHeight * g.OutWidth, chunk = PlanesPerChunk(inPlane);
        fixed (float* px0 = x, py0 = y)
        fixed (int* pa0 = argmax)
        {
            float* px = px0, py = py0;
            int* pa = pa0;
            bool twoByTwo = MaxPool2x2.Applies(g);
            Parallelism.For((g.Planes + chunk - 1) / chunk, c =>
            {
                for (int p = c * chunk, end = Math.Min(geo.Planes, p + chunk); p < end; p++)
                {
                    if (twoByTwo)
                    {
                        MaxPool2x2.Plane(geo, px + (long)p * inPlane, py + (long)p * outPlane, pa + (long)p * outPlane);
                        continue;
                    }
                    Plane(geo, new ReadOnlySpan<float>(px + (long)p * inPlane, inPlane),
                        new Span<float>(py + (long)p * outPlane, outPlane), new Span<int>(pa + (long)p * outPlane, outPlane));
                }
            });
        }
    }

    /// <summary>dx[argmax] += dy, plane by plane.</summary>
    /// <param name="g">geometry</param>
    /// <param name="dy">(N·C, OutH, OutW)</param>
    /// <param name="argmax">(N·C, OutH, OutW) from <see cref="Forward"/></param>
    /// <param name="dx">(N·C, H, W), overwritten</param>
    public static void Backward(in PoolGeometry g, ReadOnlySpan<float> dy, ReadOnlySpan<int> argmax, Span<float> dx)
    {
        g.Check(dx.Length, dy.Length);
        if (argmax.Length != dy.Length) throw new ArgumentException($"argmax holds {argmax.Length} values for an output of {dy.Length}");
        if (dx.IsEmpty) return;
        int inPlane = g.InHeight * g.InWidth, outPlane = g.OutHeight * g.OutWidth, chunk = PlanesPerChunk(inPlane), planes = g.Planes;
        fixed (float* pdy0 = dy, pdx0 = dx)
        fixed (int* pa0 = argmax)
        {
            float* pdy = pdy0, pdx = pdx0;
            int* pa = pa0;
            Parallelism.For((planes + chunk - 1) / chunk, c =>
            {
                for (int p = c * chunk, end = Math.Min(planes, p + chunk); p < end; p++)
                {
                    var d = new Span<float>(pdx + (long)p * inPlane, inPlane);
                    d.Clear();
                    float* dyp = pdy + (long)p * outPlane;
                    int* ap = pa + (long)p * outPlane;
                    for (int i = 0; i < outPlane; i++)
                    {
                        int at = ap[i];
                        if ((uint)at >= (uint)inPlane) throw new ArgumentException($"argmax {at} is outside a plane of {inPlane} elements");
                        d[at] += dyp[i];
                    }
                }
            });
        }
    }

    /// <summary>Planes per parallel task: about 16K input elements, at least one plane.</summary>
    internal static int PlanesPerChunk(int planeSize) => Math.Max(1, 16384 / Math.Max(planeSize, 1));

    internal static void Plane(in PoolGeometry g, ReadOnlySpan<float> x, Span<float> y, Span<int> argmax)
    {
        int oh = g.OutHeight, ow = g.OutWidth, h = g.InHeight, w = g.InWidth, kh = g.KernelH, kw = g.KernelW;
        int dh = g.DilationH, dw = g.DilationW;
        // Interior columns [oxLo, oxHi): the whole window lies inside the row, so the scan needs no bounds checks.
        int oxLo = Math.Min(ow, (g.PadW + g.StrideW - 1) / g.StrideW);
        int lastStart = w - 1 + g.PadW - (kw - 1) * dw; // largest ox·stride whose window still ends inside the row
        int oxHi = lastStart < 0 ? oxLo : Math.Max(oxLo, Math.Min(ow, lastStart / g.StrideW + 1));
        fixed (float* px = x)
        {
            for (int oy = 0; oy < oh; oy++)
            {
                int y0 = oy * g.StrideH - g.PadH;
                bool rowsInside = y0 >= 0 && y0 + (kh - 1) * dh < h;
                for (int ox = 0; ox < ow; ox++)
                {
                    int x0 = ox * g.StrideW - g.PadW;
                    float best;
                    int at;
                    if (rowsInside && ox >= oxLo && ox < oxHi)
                    {
                        // First tap starts the scan; later taps replace it when larger or NaN (PyTorch's rule).
                        at = y0 * w + x0;
                        best = px[at];
                        for (int a = 0; a < kh; a++)
                        {
                            int rowAt = (y0 + a * dh) * w + x0;
                            for (int b = a == 0 ? 1 : 0; b < kw; b++)
                            {
                                float v = px[rowAt + b * dw];
                                if (v > best || float.IsNaN(v))
                                {
                                    best = v;
                                    at = rowAt + b * dw;
                                }
                            }
                        }
                    }
                    else
                    {
                        best = float.NegativeInfinity;
                        at = -1;
                        for (int a = 0; a < kh; a++)
                        {
                            int iy = y0 + a * dh;
                            if ((uint)iy >= (uint)h) continue;
                            for (int b = 0; b < kw; b++)
                            {
                                int ix = x0 + b * dw;
                                if ((uint)ix >= (uint)w) continue;
                                float v = px[iy * w + ix];
                                if (v > best || float.IsNaN(v) || at < 0)
                                {
                                    best = v;
                                    at = iy * w + ix;
                                }
                            }
                        }
                        // A window of a valid geometry always holds an input element; guard anyway so at is in range.
                        if (at < 0) at = 0;
                    }
                    y[oy * ow + ox] = best;
                    argmax[oy * ow + ox] = at;
                }
            }
        }
    }
}
