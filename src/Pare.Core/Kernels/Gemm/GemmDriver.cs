using Pare.Core.Threading;

namespace Pare.Core.Kernels.Gemm;

/// <summary>The blocked GEMM loop nest (GotoBLAS/BLIS order, with the A micro-panel as the L1-resident operand):
/// <code>
/// for each block of MB rows of C:                 (A block MB×KC, packed once, shared by all threads: L3)
///   for each k block of KC:                       (k order fixed by K alone ⇒ same sums for any thread count)
///     pack A block in parallel
///     parallel over column blocks of NB:          (each thread packs its B block KC×NB: its own L2)
///       for each MR panel of A:                   (A micro-panel MR×KC: L1)
///         for each NR panel of B: micro-kernel    (B micro-panel streams from L2)
/// </code>
/// Only the k blocking decides rounding; row/column blocks may follow the thread count freely.</summary>
internal static unsafe class GemmDriver<TKernel> where TKernel : IGemmMicroKernel
{
    // bytes of the per-thread packed B block: most of the 1 MiB L2 leaves room for C tiles and A panels
    private const int L2BlockBytes = 640 * 1024;

    private const int TasksPerThread = 2;

    // below this many multiply-adds the fork/join costs more than a second thread saves
    private const long SerialMacs = 96L * 96 * 96;

    /// <summary>C = α·op(A)·op(B) + β·C on pinned, validated operands with m, n, k ≥ 1.</summary>
    public static void Run(bool transA, bool transB, int m, int n, int k, float alpha,
        float* a, int lda, float* b, int ldb, float beta, float* c, int ldc, WorkerPool? pool)
    {
        int mrFull = TKernel.MR, nrFull = TKernel.NR;
        int threads = (long)m * n * k < SerialMacs ? 1 : pool?.ThreadCount ?? Parallelism.ThreadCount;

        // k blocks of (nearly) equal depth, a function of k only
        int kcMax = TKernel.KC;
        int kBlocks = (k + kcMax - 1) / kcMax;
        int kcStd = (k + kBlocks - 1) / kBlocks;

        // column blocks: as wide as the L2 budget allows, and at least one per thread
        int nbMax = Math.Max(nrFull, L2BlockBytes / (kcStd * sizeof(float)) / nrFull * nrFull);
        int nTasks = (n + nbMax - 1) / nbMax;
        // several blocks per thread (while a block keeps ≥ 2 panels) so a thread that falls behind is evened out
        if (threads > 1) nTasks = Math.Max(Math.Min(TasksPerThread * threads, n / (2 * nrFull)), (nTasks + threads - 1) / threads * threads);
        int nb = ((n + nTasks - 1) / nTasks + nrFull - 1) / nrFull * nrFull;
        nTasks = (n + nb - 1) / nb;
        int mbMax = mrFull * 340;
        // too few column blocks (narrow C): split the rows too; each row group packs its own (small) B block
        int rowGroups = threads > 1 && nTasks < TasksPerThread * threads
            ? Math.Min((Math.Min(m, mbMax) + mrFull - 1) / mrFull, (TasksPerThread * threads + nTasks - 1) / nTasks)
            : 1;
        for (int i0 = 0; i0 < m; i0 += mbMax)
        {
            int mb = Math.Min(mbMax, m - i0);
            int panels = (mb + mrFull - 1) / mrFull;
            for (int p0 = 0; p0 < k; p0 += kcStd)
            {
                int kc = Math.Min(kcStd, k - p0);
                float betaBlock = p0 == 0 ? beta : 1f;
                float* packedA = GemmBuffer.ForA((long)panels * mrFull * kc);
                var job = new Job
                {
                    TransA = transA, TransB = transB, A = a, Lda = lda, B = b, Ldb = ldb, C = c, Ldc = ldc,
                    I0 = i0, Mb = mb, P0 = p0, Kc = kc, N = n, Nb = nb, Alpha = alpha, Beta = betaBlock,
                    PackedA = packedA, Panels = panels, ColumnBlocks = nTasks, RowGroups = rowGroups,
                };
                if (threads == 1)
                {
                    job.PackA(0, 1);
                    for (int t = 0; t < nTasks * rowGroups; t++) job.Compute(t);
                }
                else
                {
                    int packTasks = Math.Min(panels, threads * 2);
                    For(pool, packTasks, t => job.PackA(t, packTasks));
                    For(pool, nTasks * rowGroups, job.Compute);
                }
            }
        }
    }

    private static void For(WorkerPool? pool, int count, Action<int> body)
    {
        if (pool is null) Parallelism.For(count, body);
        else pool.For(count, body);
    }

    /// <summary>One (row block, k block) step: the operands and the packed A block shared by its tasks.</summary>
    private sealed class Job
    {
        public bool TransA, TransB;
        public float* A, B, C, PackedA;
        public int Lda, Ldb, Ldc, I0, Mb, P0, Kc, N, Nb, Panels, ColumnBlocks, RowGroups;
        public float Alpha, Beta;

        /// <summary>Packs share <paramref name="t"/> of <paramref name="of"/> of the A block's panels.</summary>
        public void PackA(int t, int of)
        {
            int per = (Panels + of - 1) / of;
            int q0 = t * per, q1 = Math.Min(Panels, q0 + per);
            if (q0 < q1) GemmPack.PackA(TKernel.MR, TransA, A, Lda, I0, Mb, P0, Kc, PackedA, q0, q1);
        }

        /// <summary>Computes task <paramref name="t"/>: one column block × one group of A panels, for this k block.</summary>
        public void Compute(int t)
        {
            int mrFull = TKernel.MR, nrFull = TKernel.NR;
            int perGroup = (Panels + RowGroups - 1) / RowGroups;
            int q0 = t / ColumnBlocks * perGroup, q1 = Math.Min(Panels, q0 + perGroup);
            int j0 = t % ColumnBlocks * Nb;
            int nb = Math.Min(Nb, N - j0);
            if (nb <= 0 || q0 >= q1) return;
            int bPanels = (nb + nrFull - 1) / nrFull;
            float* packedB = GemmBuffer.ForB((long)bPanels * nrFull * Kc);
            GemmPack.PackB(nrFull, TransB, B, Ldb, P0, Kc, j0, nb, packedB);

            float* edge = stackalloc float[mrFull * nrFull + 16];
            edge = (float*)(((nint)edge + 63) & ~(nint)63);
            for (int q = q0; q < q1; q++)
            {
                float* aPanel = PackedA + (long)q * mrFull * Kc;
                int row = q * mrFull;
                int mr = Math.Min(mrFull, Mb - row);
                float* cRow = C + (long)(I0 + row) * Ldc + j0;
                for (int r = 0; r < bPanels; r++)
                {
                    float* bPanel = packedB + (long)r * nrFull * Kc;
                    int nr = Math.Min(nrFull, nb - r * nrFull);
                    if (mr == mrFull && nr == nrFull)
                    {
                        TKernel.Run(Kc, aPanel, bPanel, cRow + r * nrFull, Ldc, Alpha, Beta);
                    }
                    else
                    {
                        // partial tile: the kernel writes raw sums (α = 1, β = 0 is exact) to a scratch tile
                        TKernel.Run(Kc, aPanel, bPanel, edge, nrFull, 1f, 0f);
                        GemmTile.StoreEdge(edge, nrFull, cRow + r * nrFull, Ldc, mr, nr, Alpha, Beta);
                    }
                }
            }
        }
    }
}
