using Pare.Core.Kernels.Conv;

namespace Pare.Core.Tests.Kernels;

/// <summary>The depthwise kernel skips kernel rows that read only padding when every weight is finite; an infinite
/// weight must still meet the zero padding (0·∞ = NaN, as im2col + GEMM and PyTorch give).</summary>
public class DepthwiseNonFiniteTests
{
    [Theory]
    [InlineData(2, 40)] // PaddleOCR cls's 2-row planes: 3 of 5 kernel rows read only padding for each output row
    [InlineData(3, 17)]
    public void An_infinite_weight_turns_padding_taps_into_nan(int h, int w)
    {
        const int c = 2, k = 5, pad = 2;
        var g = new ConvGeometry(1, c, h, w, c, k, k, 1, 1, pad, pad, pad, pad, 1, 1, c);
        var rng = new Pare.Core.Random.Rng(3);
        var x = new float[c * h * w];
        for (int i = 0; i < x.Length; i++) x[i] = rng.NextFloat() - 0.5f;
        var wt = new float[c * k * k];
        for (int i = 0; i < wt.Length; i++) wt[i] = rng.NextFloat() - 0.5f;
        wt[0] = float.PositiveInfinity; // channel 0, tap (0, 0): reads padding for output row 0 and column 0..1
        var y = new float[c * h * w];
        DepthwiseConv2d.Forward(g, x, wt, default, y);
        for (int ch = 0; ch < c; ch++)
            for (int oy = 0; oy < h; oy++)
                for (int ox = 0; ox < w; ox++)
                {
                    double sum = 0;
                    for (int a = 0; a < k; a++)
                        for (int b = 0; b < k; b++)
                        {
                            int iy = oy + a - pad, ix = ox + b - pad;
                            double v = iy >= 0 && iy < h && ix >= 0 && ix < w ? x[(ch * h + iy) * w + ix] : 0.0;
                            sum += v * wt[ch * k * k + a * k + b];
                        }
                    float got = y[(ch * h + oy) * w + ox];
                    if (double.IsNaN(sum)) Assert.True(float.IsNaN(got), $"({ch},{oy},{ox}): {got}, expected NaN");
                    else if (double.IsInfinity(sum)) Assert.Equal((float)sum, got);
                    else Assert.True(Math.Abs(got - sum) <= 1e-5 + 1e-5 * Math.Abs(sum), $"({ch},{oy},{ox}): {got} vs {sum}");
                }
    }
}
