namespace Pare.Core.Kernels.QGemm;

/// <summary>The right operand of <see cref="QGemm"/>, packed once (weights): int8 values in panels of
/// <see cref="PanelWidth"/> columns, k grouped in quads — panel p holds, for each quad q of k and each column j of
/// the panel, the four bytes B[4q..4q+3, j] — zero-padded to whole quads and whole panels. Also keeps each column's
/// sum and zero point for the zero-point corrections.</summary>
/// <remarks>The quad layout serves every micro-kernel: VNNI's vpdpbusd consumes four k values per int32 lane directly;
/// the AVX2/AVX-512 paths sign-extend the bytes to int16 and vpmaddwd them in pairs (exact, see <see cref="QGemm"/>).</remarks>
public sealed class QGemmPackedB
{
    /// <summary>Columns per panel.</summary>
    public const int PanelWidth = 32;

    internal readonly sbyte[] Data;
    internal readonly int[] ColumnSums;
    internal readonly int[] ZeroPoints;

    /// <summary>Every zero point is 0 (symmetric weights): the correction −zb·Σ_k a vanishes, so A's row sums are not
    /// needed and A can be read in place.</summary>
    internal bool ZeroPointsAllZero;

    private QGemmPackedB(int k, int n)
    {
        K = k;
        N = n;
        KQuads = (k + 3) / 4;
        Panels = (n + PanelWidth - 1) / PanelWidth;
        Data = GC.AllocateUninitializedArray<sbyte>(checked(Panels * KQuads * PanelWidth * 4), pinned: true);
        ColumnSums = new int[n];
        ZeroPoints = new int[n];
    }

    /// <summary>Inner dimension.</summary>
    public int K { get; }

    /// <summary>Columns of B (and of the product).</summary>
    public int N { get; }

    /// <summary>Quads of k (⌈K/4⌉).</summary>
    public int KQuads { get; }

    /// <summary>Panels of <see cref="PanelWidth"/> columns.</summary>
    public int Panels { get; }

    /// <summary>Packs a signed 8-bit B.</summary>
    /// <param name="b">K×N row-major (ldb ≥ N), or N×K (ldb ≥ K) when <paramref name="transB"/></param>
    /// <param name="k">inner dimension</param>
    /// <param name="n">columns of op(B)</param>
    /// <param name="ldb">leading dimension of b</param>
    /// <param name="transB">b is stored N×K (e.g. a Linear weight of shape (out, in))</param>
    /// <param name="zeroPoints">B's zero point: one value, or one per column (N)</param>
    /// <returns>the packed operand</returns>
    public static QGemmPackedB Pack(ReadOnlySpan<sbyte> b, int k, int n, int ldb, bool transB, ReadOnlySpan<int> zeroPoints) =>
        Pack(b, k, n, ldb, transB, zeroPoints, flip: 0, zeroShift: 0);

    /// <summary>Packs an unsigned 8-bit B: each value is stored as value − 128 (an int8) and each zero point shifted
    /// by −128, which leaves every centred product (b − zb) unchanged.</summary>
    /// <param name="b">K×N row-major, or N×K when <paramref name="transB"/></param>
    /// <param name="k">inner dimension</param>
    /// <param name="n">columns of op(B)</param>
    /// <param name="ldb">leading dimension of b</param>
    /// <param name="transB">b is stored N×K</param>
    /// <param name="zeroPoints">B's zero point: one value, or one per column (N)</param>
    /// <returns>the packed operand</returns>
    public static QGemmPackedB Pack(ReadOnlySpan<byte> b, int k, int n, int ldb, bool transB, ReadOnlySpan<int> zeroPoints) =>
        Pack(System.Runtime.InteropServices.MemoryMarshal.Cast<byte, sbyte>(b), k, n, ldb, transB, zeroPoints, flip: 0x80, zeroShift: -128);

    // value ^ 0x80 maps u8 v to the int8 v − 128
    private static QGemmPackedB Pack(ReadOnlySpan<sbyte> b, int k, int n, int ldb, bool transB, ReadOnlySpan<int> zeroPoints, int flip, int zeroShift)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(k);
        ArgumentOutOfRangeException.ThrowIfNegative(n);
        if (zeroPoints.Length != 1 && zeroPoints.Length != n)
            throw new ArgumentException($"qgemm pack: {zeroPoints.Length} zero points for {n} columns (need 1 or {n})");
        long need = k == 0 || n == 0 ? 0 : transB ? (long)(n - 1) * ldb + k : (long)(k - 1) * ldb + n;
        if (ldb < (transB ? k : n) || b.Length < need)
            throw new ArgumentException($"qgemm pack: B ({(transB ? $"{n}×{k}" : $"{k}×{n}")}, ld {ldb}) needs {need} values, got {b.Length}");
        var p = new QGemmPackedB(k, n);
        Array.Clear(p.Data);
        for (int j = 0; j < n; j++)
        {
            int panel = j / PanelWidth, col = j % PanelWidth, sum = 0;
            long baseOffset = (long)panel * p.KQuads * PanelWidth * 4 + col * 4;
            for (int kk = 0; kk < k; kk++)
            {
                sbyte v = (sbyte)(b[transB ? j * ldb + kk : kk * ldb + j] ^ flip);
                p.Data[baseOffset + (long)(kk >> 2) * PanelWidth * 4 + (kk & 3)] = v;
                sum += v;
            }
            p.ColumnSums[j] = sum;
            p.ZeroPoints[j] = zeroPoints[zeroPoints.Length == 1 ? 0 : j] + zeroShift;
        }
        p.ZeroPointsAllZero = Array.TrueForAll(p.ZeroPoints, z => z == 0);
        return p;
    }
}
