using Pare.Core.Threading;

namespace Pare.Core.Kernels.Gemm;

// GEMM on a B operand the caller has already laid out in the micro-kernel's panel format, so that a producer of B
// (im2col, a gather of dy) writes it once instead of writing a matrix that the GEMM then copies again.
public static partial class Gemm
{
    /// <summary>Columns per packed B panel (the NR of the micro-kernel this CPU runs): panel q of a K×N operand holds
    /// columns [q·NR, q·NR + NR) as K groups of NR values (k-major) at q·NR·K; lanes past N are zero.</summary>
    internal static int PanelWidth =>
        GemmKernelAvx512.IsSupported ? GemmKernelAvx512.NR : GemmKernelAvx2.IsSupported ? GemmKernelAvx2.NR : GemmKernelScalar.NR;

    /// <summary>Depth of the k blocks the tiled GEMM cuts an inner dimension of <paramref name="k"/> into (blocks of
    /// nearly equal depth, a function of k and the CPU's kernel only). A caller that runs the GEMM one such block at
    /// a time (β = 1 after the first) gets the sums of a single call bit for bit.</summary>
    /// <param name="k">inner dimension</param>
    internal static int KBlockDepth(int k)
    {
        int kc = GemmKernelAvx512.IsSupported ? GemmKernelAvx512.KC : GemmKernelAvx2.IsSupported ? GemmKernelAvx2.KC : GemmKernelScalar.KC;
        int blocks = Math.Max(1, (k + kc - 1) / kc);
        return (k + blocks - 1) / blocks;
    }

    /// <summary>Floats that ceil(n / NR) panels of depth k take.</summary>
    /// <param name="n">columns of B</param>
    /// <param name="k">rows of B (the GEMM's inner dimension)</param>
    internal static long PanelFloats(int n, int k)
    {
        int nr = PanelWidth;
        return (long)((n + nr - 1) / nr) * nr * k;
    }

    /// <summary>C = op(A)·B + β·C where B (K×N) is given as <see cref="PanelWidth"/>-wide panels.</summary>
    /// <param name="transA">A is stored K×M (lda ≥ M) and used transposed; else M×K (lda ≥ K)</param>
    /// <param name="m">rows of C</param>
    /// <param name="n">columns of C</param>
    /// <param name="k">inner dimension</param>
    /// <param name="a">A, row-major with leading dimension <paramref name="lda"/></param>
    /// <param name="lda">leading dimension of A</param>
    /// <param name="packedB"><see cref="PanelFloats"/>(n, k) floats, 64-byte aligned</param>
    /// <param name="beta">scale of the old C (0: overwritten)</param>
    /// <param name="c">C (M×N), row-major with leading dimension <paramref name="ldc"/></param>
    /// <param name="ldc">leading dimension of C</param>
    /// <param name="pool">threads for the call (null: the process-wide pool)</param>
    /// <param name="epilogue">work on each finished tile of C, or null</param>
    internal static unsafe void SgemmPackedB(bool transA, int m, int n, int k, ReadOnlySpan<float> a, int lda,
        float* packedB, float beta, Span<float> c, int ldc, WorkerPool? pool, IGemmEpilogue? epilogue = null)
    {
        // validation of A and C as for a B of K×N with ldb = N (B itself is trusted: it was packed by the caller)
        GemmChecks.Validate(transA, false, m, n, k, a.Length, lda, int.MaxValue, Math.Max(n, 1), c.Length, ldc);
        if (((nint)packedB & 63) != 0) throw new ArgumentException("gemm: packed B must be 64-byte aligned");
        if (m == 0 || n == 0) return;
        if (k == 0)
        {
            ScaleC(m, n, beta, c, ldc);
            ApplyWhole(epilogue, m, n, c, ldc);
            return;
        }
        fixed (float* pa = a)
        fixed (float* pc = c)
        {
            if (GemmKernelAvx512.IsSupported)
                GemmDriver<GemmKernelAvx512>.Run(transA, false, m, n, k, 1f, pa, lda, null, n, beta, pc, ldc, pool, packedB, epilogue);
            else if (GemmKernelAvx2.IsSupported)
                GemmDriver<GemmKernelAvx2>.Run(transA, false, m, n, k, 1f, pa, lda, null, n, beta, pc, ldc, pool, packedB, epilogue);
            else
                GemmDriver<GemmKernelScalar>.Run(transA, false, m, n, k, 1f, pa, lda, null, n, beta, pc, ldc, pool, packedB, epilogue);
        }
    }
}
