using Pare.Core.Kernels.Gemm;
using Pare.Core.Random;

namespace Pare.Bench;

/// <summary>GEMM rows: square N×N×N (peer: shared/peers/torch_bench.py) and the skinny M×K×N shapes of the MLP,
/// transformer and CNN layers (peer: bench/peers/torch_gemm.py).</summary>
public sealed class GemmSuite : IBenchSuite
{
    /// <inheritdoc/>
    public IEnumerable<BenchCase> Cases()
    {
        foreach (int n in new[] { 256, 512, 1024, 2048 })
            yield return Case($"gemm_{n}", n, n, n, n < 2048 ? 10 : 4);
        yield return Case("gemm_128x784x512", 128, 784, 512, 10);
        yield return Case("gemm_4096x128x128", 4096, 128, 128, 10);
        yield return Case("gemm_128x3136x128", 128, 3136, 128, 10);
        // the 1×1 convolution that dominates PaddleOCR rec (240 channels, a 12×280 map)
        yield return Case("gemm_240x240x3360", 240, 240, 3360, 10);
        // A·Bᵀ with a few B rows (Gemm.SgemmRowDots): silero VAD's STFT conv (258 filters of 256 taps, 4 positions),
        // its first encoder conv (128 × 129·3, 4 positions) and an LSTM step (4·128 gates × 128, batch 1)
        yield return RowDots("rowdots_258x256x4", 258, 256, 4);
        yield return RowDots("rowdots_128x387x4", 128, 387, 4);
        yield return RowDots("rowdots_128x384x2", 128, 384, 2);
        yield return RowDots("rowdots_512x128x1", 512, 128, 1);
        // the same two convs through Gemm.SgemmNarrowN (k-order sums, what SmallPlaneConv runs), and the tiled GEMM
        yield return Narrow("narrow_258x256x4", 258, 256, 4);
        yield return Narrow("narrow_128x387x4", 128, 387, 4);
        yield return Case("gemm_258x256x4", 258, 256, 4, 2001);
    }

    private static BenchCase Narrow(string name, int m, int k, int n) => new(name, () =>
    {
        var rng = new Rng(0);
        int width = Gemm.NarrowWidth(n);
        var a = new float[m * k];
        var b = new float[k * width];
        var c = new float[m * n];
        for (int i = 0; i < a.Length; i++) a[i] = rng.NextFloat();
        for (int p = 0; p < k; p++)
            for (int j = 0; j < n; j++) b[p * width + j] = rng.NextFloat();
        return () => Gemm.SgemmNarrowN(m, n, k, a, k, b, width, c, n);
    }, Flops: 2.0 * m * n * k, Reps: 2001);

    private static BenchCase RowDots(string name, int m, int k, int n) => new(name, () =>
    {
        var rng = new Rng(0);
        var a = new float[m * k];
        var b = new float[n * k];
        var c = new float[m * n];
        for (int i = 0; i < a.Length; i++) a[i] = rng.NextFloat();
        for (int i = 0; i < b.Length; i++) b[i] = rng.NextFloat();
        return () => Gemm.SgemmRowDots(m, n, k, a, k, b, k, 0f, c, n, 1);
    }, Flops: 2.0 * m * n * k, Reps: 2001);

    private static BenchCase Case(string name, int m, int k, int n, int reps) => new(name, () =>
    {
        var rng = new Rng(0);
        var a = new float[m * k];
        var b = new float[k * n];
        var c = new float[m * n];
        for (int i = 0; i < a.Length; i++) a[i] = rng.NextFloat();
        for (int i = 0; i < b.Length; i++) b[i] = rng.NextFloat();
        return () => Gemm.Sgemm(false, false, m, n, k, 1f, a, k, b, n, 0f, c, n);
    }, Flops: 2.0 * m * n * k, Reps: reps);
}
