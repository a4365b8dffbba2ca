using Pare.Core.Kernels.Pool;
using Pare.Core.Tests.Support;

namespace Pare.Core.Tests.Kernels;

/// <summary>AvgPool2d's forward against the float formula of its scalar loop — the window summed from +0 row by row,
/// left to right, times 1/divisor — bit for bit, on rows whose column windows are all whole (the 16-lane path for
/// column strides 1 and 2) with tails, row padding on both divisor rules, and the scalar fallbacks.</summary>
public class AvgPool2dTests
{
    [Theory]
    [InlineData(3, 280, 3, 2, 3, 2, 0, 0)] // PaddleOCR rec's pool (480 planes of 3×280 → 1×140)
    [InlineData(5, 70, 3, 3, 1, 1, 0, 0)]
    [InlineData(6, 67, 2, 2, 2, 2, 1, 0)]
    [InlineData(4, 40, 3, 5, 1, 1, 1, 0)]
    [InlineData(7, 33, 3, 3, 2, 2, 0, 0)]
    [InlineData(5, 50, 3, 3, 1, 3, 0, 0)] // column stride 3: scalar
    [InlineData(5, 50, 3, 3, 1, 1, 1, 1)] // column padding: scalar
    public void Forward_is_the_scalar_float_formula(int h, int w, int kh, int kw, int sh, int sw, int padH, int padW)
    {
        var g = new PoolGeometry(3, h, w, kh, kw, sh, sw, padH, padW);
        var x = KernelCases.Values(3 * h * w, (ulong)(h * 100 + w), -2f, 2f).ToArray();
        x[5] = -0f;
        foreach (bool includePad in new[] { true, false })
        {
            var y = new float[3 * g.OutHeight * g.OutWidth];
            AvgPool2d.Forward(g, x, includePad, y);
            for (int p = 0; p < 3; p++)
                for (int oy = 0; oy < g.OutHeight; oy++)
                    for (int ox = 0; ox < g.OutWidth; ox++)
                    {
                        int ys = oy * sh - padH, xs = ox * sw - padW;
                        int hp = Math.Min(ys + kh, h + padH) - ys, wp = Math.Min(xs + kw, w + padW) - xs;
                        int y0 = Math.Max(ys, 0), y1 = Math.Min(ys + kh, h), x0 = Math.Max(xs, 0), x1 = Math.Min(xs + kw, w);
                        float sum = 0;
                        for (int iy = y0; iy < y1; iy++)
                            for (int ix = x0; ix < x1; ix++) sum += x[(p * h + iy) * w + ix];
                        int divisor = includePad ? hp * wp : (y1 - y0) * (x1 - x0);
                        float expected = sum * (1f / divisor);
                        Assert.Equal(BitConverter.SingleToInt32Bits(expected), BitConverter.SingleToInt32Bits(y[(p * g.OutHeight + oy) * g.OutWidth + ox]));
                    }
        }
    }
}
