using Pare.Core.Threading;

namespace Pare.Core.Kernels.Gemm;

/// <summary>The blocked GEMM loop nest (GotoBLAS/BLIS order, with the A micro-panel as the L1-resident operand),
/// run as one parallel region per call: C is cut into a grid of tasks (row groups × column groups of whole
/// MR×NR tiles) and each task runs, on its thread,
/// <code>
/// for each k block of KC:                      (k order fixed by K alone ⇒ same sums for any thread count)
///   pack the task's rows of A (MB×KC)          (thread-local: L2/L3)
///   for each column block of NB:
///     pack B block (KC×NB)                     (thread-local: L2)
///     for each MR panel of A:                  (A micro-panel MR×KC: L1)
///       for each NR panel of B: micro-kernel   (B micro-panel streams from L2)
/// </code>
/// One fork/join per call instead of two per k block: a pool thread that the OS deschedules delays a call once.
/// Only the k blocking decides rounding; the task grid may follow the thread count freely.
/// A caller may hand B over already packed (whole-K panels, see <see cref="Gemm.PanelWidth"/>): the B packing
/// step is then skipped and each k block reads its slice of the caller's panels. An <see cref="IGemmEpilogue"/>
/// finishes each block of C (MB×NB) right after its last k block, on the task's thread.</summary>
internal static unsafe class GemmDriver<TKernel> where TKernel : IGemmMicroKernel
{
    // bytes of the per-thread packed B block: most of the 1 MiB L2 leaves room for C tiles and A panels
    private const int L2BlockBytes = 640 * 1024;

    // tasks per thread: a thread that falls behind (descheduled, slower core) is evened out by the others
    private const int TasksPerThread = 2;

    // from this many multiply-adds on, a task is long enough that balancing matters less than packing B once per thread
    private const long BigMacs = 512L * 512 * 512;

    // below this many multiply-adds the fork/join costs more than a second thread saves
    private const long SerialMacs = 96L * 96 * 96;

    /// <summary>C = α·op(A)·op(B) + β·C on pinned, validated operands with m, n, k ≥ 1. When
    /// <paramref name="packedB"/> is not null it replaces b: ceil(n/NR) panels of K×NR values (panel q at q·NR·K,
    /// 64-byte aligned, lanes past n zero). <paramref name="epilogue"/> (if any) runs on every block of C once it is final.</summary>
    public static void Run(bool transA, bool transB, int m, int n, int k, float alpha,
        float* a, int lda, float* b, int ldb, float beta, float* c, int ldc, WorkerPool? pool, float* packedB = null,
        IGemmEpilogue? epilogue = null)
    {
        int mrFull = TKernel.MR, nrFull = TKernel.NR;
        int threads = (long)m * n * k < SerialMacs ? 1 : pool?.ThreadCount ?? Parallelism.ThreadCount;

        // k blocks of (nearly) equal depth, a function of k only
        int kBlocks = (k + TKernel.KC - 1) / TKernel.KC;
        int kcStd = (k + kBlocks - 1) / kBlocks;

        // split the longer side of C first, in whole tiles
        int mPanels = (m + mrFull - 1) / mrFull, nPanels = (n + nrFull - 1) / nrFull;
        // big problems: one task per thread, so B is packed by as few row groups as possible
        int tasks = threads == 1 ? 1 : (long)m * n * k >= BigMacs ? threads : TasksPerThread * threads;
        int rowGroups, colGroups;
        if (mPanels * mrFull >= nPanels * nrFull)
        {
            rowGroups = Math.Min(tasks, mPanels);
            colGroups = Math.Min((tasks + rowGroups - 1) / rowGroups, nPanels);
        }
        else
        {
            colGroups = Math.Min(tasks, nPanels);
            rowGroups = Math.Min((tasks + colGroups - 1) / colGroups, mPanels);
        }

        var job = new Job
        {
            TransA = transA, TransB = transB, A = a, Lda = lda, B = b, Ldb = ldb, C = c, Ldc = ldc,
            M = m, N = n, K = k, KcStd = kcStd, Alpha = alpha, Beta = beta, PackedB = packedB, Epilogue = epilogue,
            RowPanelsPerGroup = (mPanels + rowGroups - 1) / rowGroups, ColPanelsPerGroup = (nPanels + colGroups - 1) / colGroups,
            ColGroups = colGroups,
            NbMax = Math.Max(nrFull, L2BlockBytes / (kcStd * sizeof(float)) / nrFull * nrFull),
        };
        int count = rowGroups * colGroups;
        if (count == 1) job.Compute(0);
        else if (pool is null) Parallelism.For(count, job.Compute);
        else pool.For(count, job.Compute);
    }

    /// <summary>The operands and task grid of one call.</summary>
    private sealed class Job
    {
        // rows of A packed at once (a multiple of MR), bounding the thread-local A buffer
        private const int MbMaxPanels = 340;

        public bool TransA, TransB;
        public float* A, B, C, PackedB;
        public int Lda, Ldb, Ldc, M, N, K, KcStd, RowPanelsPerGroup, ColPanelsPerGroup, ColGroups, NbMax;
        public float Alpha, Beta;
        public IGemmEpilogue? Epilogue;

        /// <summary>Computes task <paramref name="t"/>: one row group × one column group of C, over all of k.</summary>
        public void Compute(int t)
        {
            int mrFull = TKernel.MR, nrFull = TKernel.NR;
            int rowStart = t / ColGroups * RowPanelsPerGroup * mrFull;
            int rowEnd = Math.Min(M, rowStart + RowPanelsPerGroup * mrFull);
            int colStart = t % ColGroups * ColPanelsPerGroup * nrFull;
            int colEnd = Math.Min(N, colStart + ColPanelsPerGroup * nrFull);
            if (rowStart >= rowEnd || colStart >= colEnd) return;

            float* edge = stackalloc float[mrFull * nrFull + 16];
            edge = (float*)(((nint)edge + 63) & ~(nint)63);
            for (int i0 = rowStart; i0 < rowEnd; i0 += MbMaxPanels * mrFull)
            {
                int mb = Math.Min(MbMaxPanels * mrFull, rowEnd - i0);
                int panels = (mb + mrFull - 1) / mrFull;
                for (int p0 = 0; p0 < K; p0 += KcStd)
                {
                    int kc = Math.Min(KcStd, K - p0);
                    float beta = p0 == 0 ? Beta : 1f;
                    float* packedA = GemmBuffer.ForA((long)panels * mrFull * kc);
                    GemmPack.PackA(mrFull, TransA, A, Lda, i0, mb, p0, kc, packedA, 0, panels);
                    for (int j0 = colStart; j0 < colEnd; j0 += NbMax)
                    {
                        int nb = Math.Min(NbMax, colEnd - j0);
                        int bPanels = (nb + nrFull - 1) / nrFull;
                        float* packedB;
                        long bStride;
                        if (PackedB != null)
                        {
                            // the caller's whole-K panels: this k block is the contiguous run p0·NR.. of each panel
                            packedB = PackedB + (long)(j0 / nrFull) * nrFull * K + (long)p0 * nrFull;
                            bStride = (long)nrFull * K;
                        }
                        else
                        {
                            packedB = GemmBuffer.ForB((long)bPanels * nrFull * kc);
                            GemmPack.PackB(nrFull, TransB, B, Ldb, p0, kc, j0, nb, packedB);
                            bStride = (long)nrFull * kc;
                        }
                        Block(packedA, panels, mb, packedB, bStride, bPanels, nb, kc, C + (long)i0 * Ldc + j0, beta, edge);
                        // the epilogue on the finished block (at most MB×NB, in L2): after the tiles rather than
                        // between them, so it neither evicts the A micro-panel from L1 nor breaks the B stream, and it
                        // reads long contiguous rows (a per-tile epilogue measured ~10% slower on rec's 1×1 convs)
                        if (p0 + kc == K) Epilogue?.Apply(C + (long)i0 * Ldc + j0, Ldc, i0, mb, j0, nb);
                    }
                }
            }
        }

        // all MR×NR tiles of a packed A block × packed B block
        private void Block(float* packedA, int panels, int mb, float* packedB, long bStride, int bPanels, int nb, int kc, float* c, float beta, float* edge)
        {
            int mrFull = TKernel.MR, nrFull = TKernel.NR;
            for (int q = 0; q < panels; q++)
            {
                float* aPanel = packedA + (long)q * mrFull * kc;
                int mr = Math.Min(mrFull, mb - q * mrFull);
                float* cRow = c + (long)q * mrFull * Ldc;
                for (int r = 0; r < bPanels; r++)
                {
                    float* bPanel = packedB + r * bStride;
                    int nr = Math.Min(nrFull, nb - r * nrFull);
                    if (mr == mrFull && nr == nrFull)
                    {
                        TKernel.Run(kc, aPanel, bPanel, cRow + r * nrFull, Ldc, Alpha, beta);
                    }
                    else if (TKernel.HasQuad && nr == nrFull && (mr & 3) == 0)
                    {
                        // the last rows of M in 4-row tiles, not one MR-row tile that is mostly zero rows
                        for (int i = 0; i < mr; i += 4)
                            TKernel.RunQuad(kc, aPanel + i, bPanel, cRow + (long)i * Ldc + r * nrFull, Ldc, Alpha, beta);
                    }
                    else
                    {
                        // partial tile: the kernel writes raw sums (α = 1, β = 0 is exact) to a scratch tile
                        TKernel.Run(kc, aPanel, bPanel, edge, nrFull, 1f, 0f);
                        GemmTile.StoreEdge(edge, nrFull, cRow + r * nrFull, Ldc, mr, nr, Alpha, beta);
                    }
                }
            }
        }
    }
}
