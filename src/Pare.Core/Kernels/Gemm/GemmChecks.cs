namespace Pare.Core.Kernels.Gemm;

/// <summary>Up-front validation of GEMM arguments, so that a bad call fails with a message naming the dimensions
/// instead of reading or writing outside a span inside the kernel.</summary>
internal static class GemmChecks
{
    /// <summary>Throws unless A, B and C hold the matrices that m, n, k and the leading dimensions describe.</summary>
    public static void Validate(bool transA, bool transB, int m, int n, int k,
        int aLength, int lda, int bLength, int ldb, int cLength, int ldc)
    {
        if (m < 0 || n < 0 || k < 0)
            throw new ArgumentOutOfRangeException(nameof(m), $"gemm: negative size m={m}, n={n}, k={k}");
        CheckOperand("A", transA ? k : m, transA ? m : k, aLength, lda, m, n, k);
        CheckOperand("B", transB ? n : k, transB ? k : n, bLength, ldb, m, n, k);
        CheckOperand("C", m, n, cLength, ldc, m, n, k);
    }

    /// <summary>Minimum span length of a rows×cols row-major matrix with leading dimension ld.</summary>
    public static long Required(int rows, int cols, int ld) => rows == 0 || cols == 0 ? 0 : (long)(rows - 1) * ld + cols;

    private static void CheckOperand(string name, int rows, int cols, int length, int ld, int m, int n, int k)
    {
        if (ld < Math.Max(1, cols))
            throw new ArgumentException($"gemm (m={m}, n={n}, k={k}): ld{name.ToLowerInvariant()}={ld} is less than the {cols} columns of {name} ({rows}×{cols})");
        long need = Required(rows, cols, ld);
        if (length < need)
            throw new ArgumentException($"gemm (m={m}, n={n}, k={k}): {name} ({rows}×{cols}, ld {ld}) needs {need} elements but the span holds {length}");
    }
}
