using Pare.Core.Threading;

namespace Pare.Core.Kernels.QGemm;

/// <summary>Integer GEMM: u8 A (M×K, row-major) × s8 B (K×N, packed once into <see cref="QGemmPackedB"/>) with
/// int32 accumulation of the zero-point-centred product Σ_k (A[i,k] − za_i)·(B[k,j] − zb_j), written as int32,
/// as float (·scale_j + bias_j) or requantized to 8 bits (fused into the tile loop).</summary>
/// <remarks>
/// Paths, chosen at run time (<see cref="Selected"/>): AVX-512 VNNI (zmm vpdpbusd, generated machine code: .NET 10
/// has no API for it, see <see cref="QGemmKernelAvx512Vnni"/>), else AVX-VNNI (ymm vpdpbusd) where .NET exposes it,
/// else AVX-512BW, else AVX2, else scalar. The AVX-512/AVX2 paths widen u8 and s8 to
/// int16 and use vpmaddwd, which is exact for these ranges; vpmaddubsw is not used because it saturates the
/// int16 sum of two u8·s8 products. All paths are exact, so they agree bit for bit with <see cref="Reference"/>.
/// The zero points are applied as corrections of the raw sum: Σab − zb·Σ_k a − za·Σ_k b + K·za·zb (column sums kept
/// with the packed B, row sums taken while packing A). Int32 arithmetic wraps like ONNX Runtime's.
/// </remarks>
public static class QGemm
{
    /// <summary>The micro-kernel <see cref="QGemmPath.Auto"/> picks on this CPU.</summary>
    public static QGemmPath Selected =>
        QGemmKernelAvx512Vnni.IsSupported ? QGemmPath.Avx512Vnni
        : QGemmKernelAvxVnni.IsSupported ? QGemmPath.AvxVnni
        : QGemmKernelAvx512.IsSupported ? QGemmPath.Avx512
        : QGemmKernelAvx2.IsSupported ? QGemmPath.Avx2
        : QGemmPath.Scalar;

    /// <summary>Whether <paramref name="path"/> can run on this CPU.</summary>
    /// <param name="path">a kernel</param>
    /// <returns>true when its instructions exist</returns>
    public static bool IsSupported(QGemmPath path) => path switch
    {
        QGemmPath.Avx512Vnni => QGemmKernelAvx512Vnni.IsSupported,
        QGemmPath.AvxVnni => QGemmKernelAvxVnni.IsSupported,
        QGemmPath.Avx512 => QGemmKernelAvx512.IsSupported,
        QGemmPath.Avx2 => QGemmKernelAvx2.IsSupported,
        _ => true,
    };

    /// <summary>C = (A − za)·(B − zb) in int32.</summary>
    /// <param name="m">rows of A and C</param>
    /// <param name="a">(M, K) uint8, leading dimension <paramref name="lda"/></param>
    /// <param name="lda">leading dimension of A (≥ K)</param>
    /// <param name="aZeroPoints">A's zero point: one value or one per row (M)</param>
    /// <param name="b">packed (K, N) int8</param>
    /// <param name="c">(M, N) int32, leading dimension <paramref name="ldc"/></param>
    /// <param name="ldc">leading dimension of C (≥ N)</param>
    /// <param name="path">kernel (Auto: <see cref="Selected"/>)</param>
    public static unsafe void Multiply(int m, ReadOnlySpan<byte> a, int lda, ReadOnlySpan<int> aZeroPoints, QGemmPackedB b,
        Span<int> c, int ldc, QGemmPath path = QGemmPath.Auto)
    {
        CheckOutput(m, b.N, c.Length, ldc, 1, "C");
        fixed (int* pc = c)
            Run(m, a, lda, aZeroPoints, b, new QGemmEpilogue { Kind = QGemmEpilogue.Output.Int32, Y = pc, RowStride = ldc, ColStride = 1 }, path, null);
    }

    /// <summary>C = (A − za)·(B − zb) in int32 with element (i, j) at i·rowStride + j·colStride.</summary>
    /// <param name="m">rows of A</param>
    /// <param name="a">(M, K) uint8</param>
    /// <param name="lda">leading dimension of A</param>
    /// <param name="aZeroPoints">one value or one per row</param>
    /// <param name="b">packed (K, N) int8</param>
    /// <param name="c">output</param>
    /// <param name="rowStride">distance between rows of C</param>
    /// <param name="colStride">distance between columns of C</param>
    /// <param name="path">kernel</param>
    public static unsafe void MultiplyStrided(int m, ReadOnlySpan<byte> a, int lda, ReadOnlySpan<int> aZeroPoints, QGemmPackedB b,
        Span<int> c, long rowStride, long colStride, QGemmPath path = QGemmPath.Auto)
    {
        CheckOutput(m, b.N, c.Length, rowStride, colStride, "C");
        fixed (int* pc = c)
            Run(m, a, lda, aZeroPoints, b, new QGemmEpilogue { Kind = QGemmEpilogue.Output.Int32, Y = pc, RowStride = rowStride, ColStride = colStride }, path, null);
    }

    /// <summary>Y = scale_j·(A − za)·(B − zb) + bias_j in float32 (e.g. scale_j = scale_A·scale_B[j]).</summary>
    /// <param name="m">rows of A</param>
    /// <param name="a">(M, K) uint8</param>
    /// <param name="lda">leading dimension of A</param>
    /// <param name="aZeroPoints">one value or one per row</param>
    /// <param name="b">packed (K, N) int8</param>
    /// <param name="scales">one value or one per column (N)</param>
    /// <param name="bias">empty or one per column (N)</param>
    /// <param name="y">output; element (i, j) at i·rowStride + j·colStride</param>
    /// <param name="rowStride">distance between rows of Y</param>
    /// <param name="colStride">distance between columns of Y (1 for row-major; the plane size for an NCHW conv)</param>
    /// <param name="path">kernel</param>
    public static unsafe void MultiplyToFloat(int m, ReadOnlySpan<byte> a, int lda, ReadOnlySpan<int> aZeroPoints, QGemmPackedB b,
        ReadOnlySpan<float> scales, ReadOnlySpan<float> bias, Span<float> y, long rowStride, long colStride, QGemmPath path = QGemmPath.Auto)
    {
        CheckParams(scales.Length, bias.Length, b.N);
        CheckOutput(m, b.N, y.Length, rowStride, colStride, "Y");
        fixed (float* py = y)
        fixed (float* ps = scales)
        fixed (float* pbias = bias)
        {
            Run(m, a, lda, aZeroPoints, b, new QGemmEpilogue
            {
                Kind = QGemmEpilogue.Output.Float, Y = py, RowStride = rowStride, ColStride = colStride,
                Scales = ps, ScaleCount = scales.Length, FloatBias = bias.IsEmpty ? null : pbias,
            }, path, null);
        }
    }

    /// <summary>Y = saturate(round_half_even((acc + bias_j) · multiplier_j) + yZeroPoint), acc = (A − za)·(B − zb),
    /// as uint8 or int8 (stored in bytes) — QLinearMatMul/QLinearConv's requantization, the product in double as
    /// ONNX's reference computes it.</summary>
    /// <param name="m">rows of A</param>
    /// <param name="a">(M, K) uint8</param>
    /// <param name="lda">leading dimension of A</param>
    /// <param name="aZeroPoints">one value or one per row</param>
    /// <param name="b">packed (K, N) int8</param>
    /// <param name="bias">empty or one int32 per column, added before scaling</param>
    /// <param name="multipliers">one value or one per column: scale_A·scale_B[j] / scale_Y</param>
    /// <param name="yZeroPoint">output zero point</param>
    /// <param name="signedOutput">int8 output (else uint8)</param>
    /// <param name="y">output bytes; element (i, j) at i·rowStride + j·colStride</param>
    /// <param name="rowStride">distance between rows of Y</param>
    /// <param name="colStride">distance between columns of Y</param>
    /// <param name="path">kernel</param>
    public static unsafe void MultiplyRequantize(int m, ReadOnlySpan<byte> a, int lda, ReadOnlySpan<int> aZeroPoints, QGemmPackedB b,
        ReadOnlySpan<int> bias, ReadOnlySpan<float> multipliers, int yZeroPoint, bool signedOutput, Span<byte> y,
        long rowStride, long colStride, QGemmPath path = QGemmPath.Auto)
    {
        CheckParams(multipliers.Length, bias.Length, b.N);
        CheckOutput(m, b.N, y.Length, rowStride, colStride, "Y");
        fixed (byte* py = y)
        fixed (float* ps = multipliers)
        fixed (int* pbias = bias)
        {
            Run(m, a, lda, aZeroPoints, b, new QGemmEpilogue
            {
                Kind = QGemmEpilogue.Output.Quantized, Y = py, RowStride = rowStride, ColStride = colStride,
                Scales = ps, ScaleCount = multipliers.Length, IntBias = bias.IsEmpty ? null : pbias,
                ZeroPoint = yZeroPoint, Lo = signedOutput ? sbyte.MinValue : 0, Hi = signedOutput ? sbyte.MaxValue : byte.MaxValue,
                FiniteScales = System.Numerics.Tensors.TensorPrimitives.IsFiniteAll(multipliers),
            }, path, null);
        }
    }

    /// <summary>saturate(round_half_even(acc · multiplier) + zeroPoint) to [lo, hi], in double like ONNX's reference.</summary>
    /// <param name="acc">int32 sum (bias included)</param>
    /// <param name="multiplier">float32 multiplier</param>
    /// <param name="zeroPoint">output zero point</param>
    /// <param name="lo">lowest output</param>
    /// <param name="hi">highest output</param>
    /// <returns>the quantized value</returns>
    public static int Requantize(int acc, float multiplier, int zeroPoint, int lo, int hi)
    {
        double r = Math.Round(acc * (double)multiplier, MidpointRounding.ToEven) + zeroPoint;
        return r <= lo ? lo : r >= hi ? hi : (int)r;
    }

    /// <summary>Scalar reference: C[i,j] = Σ_k (A[i,k] − za_i)·(B[k,j] − zb_j) from unpacked operands.</summary>
    /// <param name="m">rows</param>
    /// <param name="n">columns</param>
    /// <param name="k">inner dimension</param>
    /// <param name="a">(M, K) uint8, row-major</param>
    /// <param name="aZeroPoints">one or M values</param>
    /// <param name="b">(K, N) int8, row-major</param>
    /// <param name="bZeroPoints">one or N values</param>
    /// <returns>(M, N) int32</returns>
    public static int[] Reference(int m, int n, int k, ReadOnlySpan<byte> a, ReadOnlySpan<int> aZeroPoints, ReadOnlySpan<sbyte> b, ReadOnlySpan<int> bZeroPoints)
    {
        var c = new int[m * n];
        for (int i = 0; i < m; i++)
            for (int j = 0; j < n; j++)
            {
                int za = aZeroPoints[aZeroPoints.Length == 1 ? 0 : i], zb = bZeroPoints[bZeroPoints.Length == 1 ? 0 : j], acc = 0;
                for (int p = 0; p < k; p++) acc = unchecked(acc + (a[i * k + p] - za) * (b[p * n + j] - zb));
                c[i * n + j] = acc;
            }
        return c;
    }

    internal static unsafe void Run(int m, ReadOnlySpan<byte> a, int lda, ReadOnlySpan<int> aZeroPoints, QGemmPackedB b,
        QGemmEpilogue epilogue, QGemmPath path, WorkerPool? pool)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(m);
        if (aZeroPoints.Length != 1 && aZeroPoints.Length != m)
            throw new ArgumentException($"qgemm: {aZeroPoints.Length} zero points of A for {m} rows (need 1 or {m})");
        if (m > 0 && (lda < b.K || a.Length < (long)(m - 1) * lda + b.K))
            throw new ArgumentException($"qgemm: A ({m}×{b.K}, ld {lda}) needs {(long)(m - 1) * lda + b.K} values, got {a.Length}");
        if (m == 0 || b.N == 0) return;
        if (path == QGemmPath.Auto) path = Selected;
        if (!IsSupported(path)) throw new PlatformNotSupportedException($"qgemm: the {path} kernel needs instructions this CPU lacks");
        fixed (byte* pa = a)
        fixed (int* pz = aZeroPoints)
        fixed (sbyte* pb = b.Data)
        fixed (int* ps = b.ColumnSums)
        fixed (int* pzb = b.ZeroPoints)
        {
            switch (path)
            {
                case QGemmPath.Avx512Vnni: QGemmDriver<QGemmKernelAvx512Vnni>.Run(m, pa, lda, pz, aZeroPoints.Length, b, pb, ps, pzb, epilogue, pool); break;
                case QGemmPath.AvxVnni: QGemmDriver<QGemmKernelAvxVnni>.Run(m, pa, lda, pz, aZeroPoints.Length, b, pb, ps, pzb, epilogue, pool); break;
                case QGemmPath.Avx512: QGemmDriver<QGemmKernelAvx512>.Run(m, pa, lda, pz, aZeroPoints.Length, b, pb, ps, pzb, epilogue, pool); break;
                case QGemmPath.Avx2: QGemmDriver<QGemmKernelAvx2>.Run(m, pa, lda, pz, aZeroPoints.Length, b, pb, ps, pzb, epilogue, pool); break;
                default: QGemmDriver<QGemmKernelScalar>.Run(m, pa, lda, pz, aZeroPoints.Length, b, pb, ps, pzb, epilogue, pool); break;
            }
        }
    }

    private static void CheckParams(int scales, int bias, int n)
    {
        if (scales != 1 && scales != n) throw new ArgumentException($"qgemm: {scales} scales for {n} columns (need 1 or {n})");
        if (bias != 0 && bias != n) throw new ArgumentException($"qgemm: {bias} bias values for {n} columns (need 0 or {n})");
    }

    private static void CheckOutput(int m, int n, int length, long rowStride, long colStride, string what)
    {
        if (m == 0 || n == 0) return;
        if (rowStride < 0 || colStride < 0) throw new ArgumentException($"qgemm: negative {what} stride");
        long last = (m - 1) * rowStride + (n - 1) * colStride;
        if (last >= length) throw new ArgumentException($"qgemm: {what} ({m}×{n}, strides {rowStride}, {colStride}) needs {last + 1} values, got {length}");
    }
}
