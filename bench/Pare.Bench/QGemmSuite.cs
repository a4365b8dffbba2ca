using System.Globalization;
using Pare.Core.Kernels.Gemm;
using Pare.Core.Kernels.QGemm;
using Pare.Core.Random;
using Pare.Core.Threading;

namespace Pare.Bench;

/// <summary>Integer GEMM rows: gemm_u8s8_MxKxN (u8×s8→s32, packed B, int32 out) with gops and peak_gops, the
/// theoretical int8 peak of the path used on this machine; int4 weight-only GEMV rows beside the float GEMV they
/// replace (gemv_f32_*).</summary>
/// <remarks>peak_gops = threads × GHz × ops/cycle/core (one op = a multiply or an add, a MAC = 2 ops):
/// Avx512 path: one vpmaddwd zmm per cycle (Zen 4 runs it as two 256-bit halves) = 32 MACs = 64 ops/cycle;
/// Avx2: two vpmaddwd ymm per cycle = 64 ops/cycle; AvxVnni: two vpdpbusd ymm per cycle = 64 MACs = 128 ops/cycle;
/// Avx512Vnni: one vpdpbusd zmm per cycle = 64 MACs = 128 ops/cycle; scalar: one imul + add per cycle = 2.
/// vnni_peak_gops is the AVX-512 VNNI peak (128 ops/cycle), whichever path runs. GHz: PARE_CPU_GHZ, else the first "cpu MHz" of
/// /proc/cpuinfo.</remarks>
public sealed class QGemmSuite : IBenchSuite
{
    /// <inheritdoc/>
    public IEnumerable<BenchCase> Cases()
    {
        foreach (int n in new[] { 256, 512, 1024 }) yield return Int8($"gemm_u8s8_{n}x{n}x{n}", n, n, n, 10);
        yield return Int8("gemm_u8s8_128x3136x128", 128, 3136, 128, 10);
        yield return Int8("gemm_u8s8_3360x240x240", 3360, 240, 240, 10); // rec's 1x1 conv, beside gemm_240x240x3360 (fp32)
        yield return Int8("gemm_u8s8_1x4096x4096", 1, 4096, 4096, 15);
        yield return FloatGemv("gemv_f32_1x4096x4096", 4096, 4096);
        foreach (int block in new[] { 32, 128 }) yield return Int4($"int4_gemv_1x4096x4096_g{block}", 1, 4096, 4096, block);
        yield return Int4("int4_gemm_64x4096x4096_g32", 64, 4096, 4096, 32);
    }

    private static BenchCase Int8(string name, int m, int k, int n, int reps)
    {
        double ops = 2.0 * m * n * k;
        var path = QGemm.Selected;
        double ghz = Ghz();
        var extra = new Dictionary<string, object>
        {
            ["path"] = path.ToString(),
            ["peak_gops"] = Math.Round(Parallelism.ThreadCount * ghz * OpsPerCycle(path), 1),
            ["vnni_peak_gops"] = Math.Round(Parallelism.ThreadCount * ghz * 128, 1),
            ["ghz"] = ghz,
        };
        return new BenchCase(name, () =>
        {
            var rng = new Rng(0);
            var a = new byte[m * k];
            var b = new sbyte[k * n];
            for (int i = 0; i < a.Length; i++) a[i] = (byte)rng.NextInt(256);
            for (int i = 0; i < b.Length; i++) b[i] = (sbyte)(rng.NextInt(256) - 128);
            var packed = QGemmPackedB.Pack(b, k, n, n, false, [0]);
            var c = new int[m * n];
            return () => QGemm.Multiply(m, a, k, [128], packed, c, n);
        }, Reps: reps, Extra: extra, IntOps: ops);
    }

    private static BenchCase FloatGemv(string name, int k, int n) => new(name, () =>
    {
        var rng = new Rng(0);
        var a = new float[k];
        var w = new float[n * k];
        for (int i = 0; i < w.Length; i++) w[i] = rng.NextFloat();
        var y = new float[n];
        return () => Gemm.Sgemm(false, true, 1, n, k, 1f, a, k, w, k, 0f, y, n);
    }, Flops: 2.0 * n * k, Bytes: 4.0 * n * k);

    private static BenchCase Int4(string name, int m, int k, int n, int block) => new(name, () =>
    {
        var rng = new Rng(0);
        int blocks = k / block;
        var codes = new byte[n * k / 2];
        for (int i = 0; i < codes.Length; i++) codes[i] = (byte)rng.NextInt(256);
        var scales = new float[n * blocks];
        for (int i = 0; i < scales.Length; i++) scales[i] = rng.NextFloat();
        var a = new float[m * k];
        for (int i = 0; i < a.Length; i++) a[i] = rng.NextFloat();
        var y = new float[m * n];
        return () => Int4Gemm.Multiply(m, n, k, a, k, codes, scales, [], block, [], y, n);
    }, Flops: 2.0 * m * n * k, Bytes: n * k / 2.0 + 4.0 * n * (k / block), Reps: 15);

    private static double OpsPerCycle(QGemmPath path) => path switch
    {
        QGemmPath.Avx512Vnni or QGemmPath.AvxVnni => 128,
        QGemmPath.Avx512 or QGemmPath.Avx2 => 64,
        _ => 2,
    };

    private static double Ghz()
    {
        if (double.TryParse(Environment.GetEnvironmentVariable("PARE_CPU_GHZ"), NumberStyles.Float, CultureInfo.InvariantCulture, out double g) && g > 0) return g;
        try
        {
            foreach (var line in File.ReadLines("/proc/cpuinfo"))
                if (line.StartsWith("cpu MHz", StringComparison.Ordinal) &&
                    double.TryParse(line[(line.IndexOf(':') + 1)..], NumberStyles.Float, CultureInfo.InvariantCulture, out double mhz))
                    return Math.Round(mhz / 1000, 2);
        }
        catch (IOException)
        {
        }
        return 0;
    }
}
