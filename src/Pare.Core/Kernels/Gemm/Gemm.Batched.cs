using Pare.Core.Threading;

namespace Pare.Core.Kernels.Gemm;

// Batched GEMM: the same C = α·op(A)·op(B) + β·C over a batch of matrices laid out at fixed strides.
public static partial class Gemm
{
    // a batch item below this many multiply-adds runs whole on one thread, the batch spread over the pool
    private const long BatchItemSerialMacs = 128L * 128 * 128;

    private static readonly WorkerPool SerialPool = new(1);

    /// <summary>For every i in [0, batch): C_i = α·op(A_i)·op(B_i) + β·C_i, where X_i starts at i·strideX in its span.
    /// A stride of 0 broadcasts that operand (the same A or B for every item); C's stride must separate the items.</summary>
    /// <param name="transA">A_i is stored K×M and used transposed; else M×K</param>
    /// <param name="transB">B_i is stored N×K and used transposed; else K×N</param>
    /// <param name="batch">number of products</param>
    /// <param name="m">rows of each C_i</param>
    /// <param name="n">columns of each C_i</param>
    /// <param name="k">inner dimension</param>
    /// <param name="alpha">scale of the products</param>
    /// <param name="a">(batch, M, K) or (batch, K, M) at stride <paramref name="strideA"/></param>
    /// <param name="lda">leading dimension of each A_i</param>
    /// <param name="strideA">elements between A_i and A_{i+1} (0: broadcast)</param>
    /// <param name="b">(batch, K, N) or (batch, N, K) at stride <paramref name="strideB"/></param>
    /// <param name="ldb">leading dimension of each B_i</param>
    /// <param name="strideB">elements between B_i and B_{i+1} (0: broadcast)</param>
    /// <param name="beta">scale of the old C (0: overwritten)</param>
    /// <param name="c">(batch, M, N) at stride <paramref name="strideC"/></param>
    /// <param name="ldc">leading dimension of each C_i</param>
    /// <param name="strideC">elements between C_i and C_{i+1}</param>
    public static void SgemmBatched(bool transA, bool transB, int batch, int m, int n, int k, float alpha,
        ReadOnlySpan<float> a, int lda, int strideA, ReadOnlySpan<float> b, int ldb, int strideB,
        float beta, Span<float> c, int ldc, int strideC) =>
        SgemmBatched(transA, transB, batch, m, n, k, alpha, a, lda, strideA, b, ldb, strideB, beta, c, ldc, strideC, pool: null);

    /// <summary>SgemmBatched on a given pool (null: the process-wide pool).</summary>
    internal static unsafe void SgemmBatched(bool transA, bool transB, int batch, int m, int n, int k, float alpha,
        ReadOnlySpan<float> a, int lda, int strideA, ReadOnlySpan<float> b, int ldb, int strideB,
        float beta, Span<float> c, int ldc, int strideC, WorkerPool? pool)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(batch);
        if (strideA < 0 || strideB < 0 || strideC < 0)
            throw new ArgumentOutOfRangeException(nameof(strideA), $"gemm batched: negative stride (A {strideA}, B {strideB}, C {strideC})");
        long sizeA = GemmChecks.Required(transA ? k : m, transA ? m : k, lda);
        long sizeB = GemmChecks.Required(transB ? n : k, transB ? k : n, ldb);
        long sizeC = GemmChecks.Required(m, n, ldc);
        if (batch > 1 && sizeC > 0 && strideC < sizeC)
            throw new ArgumentException($"gemm batched (batch={batch}, m={m}, n={n}): C stride {strideC} is less than the {sizeC} elements of one C ({m}×{n}, ld {ldc})");
        if (batch == 0) return;
        // every item must fit: the last one starts furthest in
        GemmChecks.Validate(transA, transB, m, n, k, Tail(a.Length, strideA, batch), lda, Tail(b.Length, strideB, batch), ldb,
            Tail(c.Length, strideC, batch), ldc);

        bool perThread = batch > 1 && (long)m * n * k < BatchItemSerialMacs;
        if (!perThread)
        {
            for (int i = 0; i < batch; i++)
            {
                Sgemm(transA, transB, m, n, k, alpha, a[Start(strideA, i, sizeA)..], lda, b[Start(strideB, i, sizeB)..], ldb,
                    beta, c[Start(strideC, i, sizeC)..], ldc, pool);
            }
            return;
        }
        fixed (float* pa = a)
        fixed (float* pb = b)
        fixed (float* pc = c)
        {
            nint aAddr = (nint)pa, bAddr = (nint)pb, cAddr = (nint)pc;
            int aLen = a.Length, bLen = b.Length, cLen = c.Length;
            Action<int> item = i =>
            {
                var ai = new ReadOnlySpan<float>((float*)aAddr, aLen)[Start(strideA, i, sizeA)..];
                var bi = new ReadOnlySpan<float>((float*)bAddr, bLen)[Start(strideB, i, sizeB)..];
                var ci = new Span<float>((float*)cAddr, cLen)[Start(strideC, i, sizeC)..];
                Sgemm(transA, transB, m, n, k, alpha, ai, lda, bi, ldb, beta, ci, ldc, SerialPool);
            };
            if (pool is null) Parallelism.For(batch, item);
            else pool.For(batch, item);
        }
    }

    // start of item i; an empty operand (size 0) has no start to check
    private static int Start(int stride, int i, long size) => size == 0 ? 0 : stride * i;

    // the span length left for the last item, or -1 (fails validation) when it does not even start inside
    private static int Tail(int length, int stride, int batch)
    {
        long start = (long)stride * (batch - 1);
        return start > length ? -1 : (int)(length - start);
    }
}
