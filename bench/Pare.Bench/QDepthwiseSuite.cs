using Pare.Core.Kernels.Conv;
using Pare.Core.Kernels.QGemm;
using Pare.Core.Random;

namespace Pare.Bench;

/// <summary>Int8 depthwise conv rows (<see cref="QDepthwiseConv"/>, requantized uint8 out) on PaddleOCR rec's
/// depthwise shapes, each beside the float32 depthwise kernel on the same geometry (dwconv_f32_*, the baseline the
/// int8 path must beat). Pare-only: ONNX Runtime has no standalone kernel row to pair with.</summary>
public sealed class QDepthwiseSuite : IBenchSuite
{
    /// <inheritdoc/>
    public IEnumerable<BenchCase> Cases()
    {
        // (channels, H, W, k, stride H, stride W): rec_q.onnx's int8 depthwise convs, heaviest first
        var shapes = new (int C, int H, int W, int K, int Sh, int Sw)[]
        {
            (240, 12, 280, 5, 1, 1), (480, 6, 280, 5, 1, 1), (64, 24, 560, 3, 1, 1), (128, 12, 560, 3, 1, 2), (32, 24, 560, 3, 1, 1),
        };
        foreach (var (c, h, w, k, sh, sw) in shapes)
        {
            string name = $"{c}x{h}x{w}_k{k}" + (sh != 1 || sw != 1 ? $"s{sh}{sw}" : "");
            yield return Int8($"qdwconv_u8_{name}", c, h, w, k, sh, sw);
            yield return Float($"dwconv_f32_{name}", c, h, w, k, sh, sw);
        }
    }

    private static BenchCase Int8(string name, int c, int h, int w, int k, int sh, int sw)
    {
        int pad = k / 2, outH = (h + 2 * pad - k) / sh + 1, outW = (w + 2 * pad - k) / sw + 1;
        return new BenchCase(name, () =>
        {
            var rng = new Rng(21);
            var g = new QDepthwiseGeometry(c, h, w, k, k, sh, sw, 1, 1, pad, pad, outH, outW);
            var x = new byte[c * h * w];
            for (int i = 0; i < x.Length; i++) x[i] = (byte)rng.NextInt(256);
            var wts = new int[c * k * k];
            for (int i = 0; i < wts.Length; i++) wts[i] = rng.NextInt(255) - 127;
            var bias = new int[c];
            var mult = new float[c];
            for (int i = 0; i < c; i++) mult[i] = 1e-4f + rng.NextFloat() * 1e-3f;
            var y = new byte[c * outH * outW];
            return () => QDepthwiseConv.Run(x, g, 101, wts, bias, mult, 128, false, y);
        }, IntOps: 2.0 * c * outH * outW * k * k, Reps: 31);
    }

    private static BenchCase Float(string name, int c, int h, int w, int k, int sh, int sw)
    {
        int pad = k / 2, outH = (h + 2 * pad - k) / sh + 1, outW = (w + 2 * pad - k) / sw + 1;
        return new BenchCase(name, () =>
        {
            var rng = new Rng(21);
            var g = new ConvGeometry(1, c, h, w, c, k, k, sh, sw, pad, pad, pad, pad, 1, 1, c);
            var x = new float[c * h * w];
            for (int i = 0; i < x.Length; i++) x[i] = rng.NextFloat();
            var wts = new float[c * k * k];
            for (int i = 0; i < wts.Length; i++) wts[i] = rng.NextFloat();
            var y = new float[c * outH * outW];
            return () => DepthwiseConv2d.Forward(g, x, wts, default, y);
        }, Flops: 2.0 * c * outH * outW * k * k, Reps: 31);
    }
}
