using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using Pare.Core.Threading;

namespace Pare.Core.Kernels.QGemm;

/// <summary>The integer GEMM loop nest over a pre-packed B: C is cut into row groups × panel groups, one task
/// each; a task packs its rows of A (quads, bytes or int16 per the kernel, plus each row's sum) in chunks, then
/// for each B panel (32 columns × K, L2-resident) runs the micro-kernel over every A panel of the chunk and applies
/// the zero-point corrections and the output conversion to the finished tile while it is in L1 (fused epilogue).
/// Integer sums are exact, so results are identical for every thread count and every kernel.</summary>
internal static unsafe class QGemmDriver<TKernel> where TKernel : IQGemmMicroKernel
{
    // A panels packed at once: 64·MR rows × K stays within L2 for K up to a few thousand
    private const int ChunkPanels = 64;

    // below this many multiply-adds one thread does it all
    private const long SerialMacs = 64L * 64 * 64;

    [ThreadStatic] private static byte[]? _packedA;
    [ThreadStatic] private static int[]? _rowSums;
    [ThreadStatic] private static int[]? _foldedBias;

    /// <summary>Runs the product; operands pinned and validated.</summary>
    public static void Run(int m, byte* a, int lda, int* aZero, int aZeroCount, QGemmPackedB b, sbyte* bData, int* colSums,
        int* bZero, QGemmEpilogue epilogue, WorkerPool? pool)
    {
        int mr = TKernel.MR;
        int mPanels = (m + mr - 1) / mr;
        int threads = (long)m * b.N * b.K < SerialMacs ? 1 : pool?.ThreadCount ?? Parallelism.ThreadCount;
        int tasks = threads == 1 ? 1 : 2 * threads;
        int rowGroups, colGroups;
        if (mPanels * mr >= b.Panels * QGemmPackedB.PanelWidth)
        {
            rowGroups = Math.Min(tasks, mPanels);
            colGroups = Math.Min((tasks + rowGroups - 1) / rowGroups, b.Panels);
        }
        else
        {
            colGroups = Math.Min(tasks, b.Panels);
            rowGroups = Math.Min((tasks + colGroups - 1) / colGroups, mPanels);
        }
        var job = new Job
        {
            M = m, A = a, Lda = lda, AZero = aZero, AZeroCount = aZeroCount, K = b.K, N = b.N, KQ = b.KQuads,
            BData = bData, ColSums = colSums, BZero = bZero, Epilogue = epilogue, ColGroups = colGroups,
            Direct = TKernel.DirectA && b.ZeroPointsAllZero,
            RowPanelsPerGroup = (mPanels + rowGroups - 1) / rowGroups, PanelsPerGroup = (b.Panels + colGroups - 1) / colGroups,
        };
        if (job.Direct && aZeroCount == 1 && epilogue.Kind == QGemmEpilogue.Output.Quantized)
        {
            // zb = 0 and one za: the centring is −za·Σ_k b[k, j], folded into the int bias once per call (wrapping
            // like the corrections it replaces), so finished tiles go straight to the requantizing epilogue
            var folded = _foldedBias is { } fb && fb.Length >= b.N ? fb : _foldedBias = GC.AllocateUninitializedArray<int>(Math.Max(b.N, 256), pinned: true);
            int za = *aZero;
            for (int j = 0; j < b.N; j++) folded[j] = unchecked((epilogue.IntBias is null ? 0 : epilogue.IntBias[j]) - za * colSums[j]);
            job.Epilogue.IntBias = (int*)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(folded));
            job.Folded = true;
        }
        int count = rowGroups * colGroups;
        if (count == 1) job.Compute(0);
        else if (pool is null) Parallelism.For(count, job.Compute);
        else pool.For(count, job.Compute);
    }

    private sealed class Job
    {
        public int M, Lda, AZeroCount, K, N, KQ, ColGroups, RowPanelsPerGroup, PanelsPerGroup;
        public bool Direct, Folded;
        public byte* A;
        public int* AZero, ColSums, BZero;
        public sbyte* BData;
        public QGemmEpilogue Epilogue;

        public void Compute(int t)
        {
            int mr = TKernel.MR, width = QGemmPackedB.PanelWidth;
            int rowStart = t / ColGroups * RowPanelsPerGroup * mr, rowEnd = Math.Min(M, rowStart + RowPanelsPerGroup * mr);
            int panelStart = t % ColGroups * PanelsPerGroup, panelEnd = Math.Min((N + width - 1) / width, panelStart + PanelsPerGroup);
            if (rowStart >= rowEnd || panelStart >= panelEnd) return;
            int quadBytes = TKernel.WideA ? 8 : 4;
            int* tile = stackalloc int[TKernel.MR * QGemmPackedB.PanelWidth];
            if (Direct)
            {
                ComputeDirect(rowStart, rowEnd, panelStart, panelEnd, tile);
                return;
            }
            for (int r0 = rowStart; r0 < rowEnd; r0 += ChunkPanels * mr)
            {
                int rows = Math.Min(ChunkPanels * mr, rowEnd - r0), panels = (rows + mr - 1) / mr;
                long panelBytes = (long)KQ * mr * quadBytes;
                var packed = _packedA is { } pa && pa.Length >= panels * panelBytes ? pa : _packedA = GC.AllocateArray<byte>((int)(panels * panelBytes), pinned: true);
                var sums = _rowSums is { } rs && rs.Length >= rows ? rs : _rowSums = new int[Math.Max(rows, ChunkPanels * mr)];
                fixed (byte* ap = packed)
                {
                    PackA(r0, rows, ap, panelBytes, sums);
                    for (int p = panelStart; p < panelEnd; p++)
                    {
                        sbyte* bPanel = BData + (long)p * KQ * width * 4;
                        int c0 = p * width, nr = Math.Min(width, N - c0);
                        for (int q = 0; q < panels; q++)
                        {
                            for (int o = 0; o < width; o += TKernel.NR)
                                TKernel.Run(KQ, ap + q * panelBytes, bPanel + o * 4, tile + o, width);
                            Finish(tile, r0 + q * mr, Math.Min(mr, rows - q * mr), sums, q * mr, c0, nr);
                        }
                    }
                }
            }
        }

        // B's zero points all 0, so A's row sums are not needed: full MR-row tiles read A in place (when the quads of
        // the last row stay inside A: ≤ 3 bytes past K may be read, against B's zero padding); edge tiles are packed
        private void ComputeDirect(int rowStart, int rowEnd, int panelStart, int panelEnd, int* tile)
        {
            int mr = TKernel.MR, width = QGemmPackedB.PanelWidth;
            long end = (long)(M - 1) * Lda + K, quadSpan = 4L * KQ;
            long panelBytes = (long)KQ * mr * (TKernel.WideA ? 8 : 4);
            // two panels: [0] for a tile packed on the spot, [1] for the chunk's last tile
            var packed = _packedA is { } pa && pa.Length >= 2 * panelBytes ? pa : _packedA = GC.AllocateArray<byte>((int)Math.Max(2 * panelBytes, 4096), pinned: true);
            var sums = _rowSums is { } rs && rs.Length >= mr ? rs : _rowSums = new int[Math.Max(mr, ChunkPanels * mr)];
            // rows in chunks that stay in L2 while every B panel of the group passes over them
            int chunkRows = Math.Max(mr, (int)Math.Min(ChunkPanels * mr, (256 * 1024) / Math.Max(1, Lda) / mr * mr));
            fixed (byte* ap = packed)
            {
                for (int r0 = rowStart; r0 < rowEnd; r0 += chunkRows)
                {
                    int r1 = Math.Min(rowEnd, r0 + chunkRows);
                    // the chunk's last tile, packed once for all panels when it cannot be read in place
                    int last = r0 + (r1 - r0 - 1) / mr * mr, lastRows = r1 - last;
                    // one or two rows left: the one-row kernel reads them in place (when their quads stay inside A)
                    bool lastByRows = TKernel.RowKernel && lastRows <= 2 && (long)(r1 - 1) * Lda + quadSpan <= end;
                    bool lastPacked = !lastByRows && (lastRows < mr || (long)(last + mr - 1) * Lda + quadSpan > end);
                    if (lastPacked) PackA(last, lastRows, ap + panelBytes, panelBytes, sums);
                    for (int p = panelStart; p < panelEnd; p++)
                    {
                        sbyte* bPanel = BData + (long)p * KQ * width * 4;
                        int c0 = p * width, nr = Math.Min(width, N - c0);
                        for (int r = r0; r < r1; r += mr)
                        {
                            int rows = Math.Min(mr, r1 - r);
                            if (r == last && lastByRows)
                            {
                                for (int i = 0; i < rows; i++)
                                    for (int o = 0; o < width; o += TKernel.NR)
                                        TKernel.RunRow(KQ, A + (long)(r + i) * Lda, bPanel + o * 4, tile + i * width + o);
                            }
                            else if (r == last && lastPacked)
                            {
                                for (int o = 0; o < width; o += TKernel.NR)
                                    TKernel.Run(KQ, ap + panelBytes, bPanel + o * 4, tile + o, width);
                            }
                            else if (rows == mr && (long)(r + mr - 1) * Lda + quadSpan <= end)
                            {
                                for (int o = 0; o < width; o += TKernel.NR)
                                    TKernel.RunDirect(KQ, A + (long)r * Lda, Lda, bPanel + o * 4, tile + o, width);
                            }
                            else
                            {
                                PackA(r, rows, ap, panelBytes, sums);
                                for (int o = 0; o < width; o += TKernel.NR)
                                    TKernel.Run(KQ, ap, bPanel + o * 4, tile + o, width);
                            }
                            if (!Folded) Finish(tile, r, rows, sums, 0, c0, nr); // sums · zb = 0
                            else Epilogue.WriteTile(r, rows, c0, nr, tile, width);
                        }
                    }
                }
            }
        }

        // rows [r0, r0+rows) of A as MR-row panels of k quads (zero-padded), and each row's sum
        private void PackA(int r0, int rows, byte* dst, long panelBytes, int[] sums)
        {
            int mr = TKernel.MR;
            bool wide = TKernel.WideA;
            new Span<byte>(dst, (int)(((rows + mr - 1) / mr) * panelBytes)).Clear();
            for (int r = 0; r < rows; r++)
            {
                byte* src = A + (long)(r0 + r) * Lda;
                byte* panel = dst + r / mr * panelBytes;
                int i = r % mr, sum = 0;
                int kk = 0;
                if (Avx2.IsSupported)
                {
                    // 16 bytes (4 quads) per step: the row sum by vpsadbw, the quads scattered at the panel's quad
                    // stride (MR quads apart), as bytes or zero-extended to int16 (vpmovzxbw)
                    var sad = Vector128<long>.Zero;
                    long stride = (long)mr * 4 * (wide ? 2 : 1);
                    byte* d = panel + i * 4 * (wide ? 2 : 1);
                    for (; kk + 16 <= K; kk += 16, d += 4 * stride)
                    {
                        var v = Sse2.LoadVector128(src + kk);
                        sad = Sse2.Add(sad, Sse2.SumAbsoluteDifferences(v, Vector128<byte>.Zero).AsInt64());
                        if (wide)
                        {
                            var w16 = Avx2.ConvertToVector256Int16(v).AsUInt64();
                            *(ulong*)d = w16.GetElement(0);
                            *(ulong*)(d + stride) = w16.GetElement(1);
                            *(ulong*)(d + 2 * stride) = w16.GetElement(2);
                            *(ulong*)(d + 3 * stride) = w16.GetElement(3);
                        }
                        else
                        {
                            var u = v.AsUInt32();
                            *(uint*)d = u.GetElement(0);
                            *(uint*)(d + stride) = u.GetElement(1);
                            *(uint*)(d + 2 * stride) = u.GetElement(2);
                            *(uint*)(d + 3 * stride) = u.GetElement(3);
                        }
                    }
                    sum = (int)(sad.GetElement(0) + sad.GetElement(1));
                }
                if (wide)
                {
                    short* d = (short*)panel + i * 4;
                    for (; kk < K; kk++)
                    {
                        d[(kk >> 2) * mr * 4 + (kk & 3)] = src[kk];
                        sum += src[kk];
                    }
                }
                else
                {
                    byte* d = panel + i * 4;
                    for (; kk < K; kk++)
                    {
                        d[(kk >> 2) * mr * 4 + (kk & 3)] = src[kk];
                        sum += src[kk];
                    }
                }
                sums[r] = sum;
            }
        }

        // Σ(a − za)(b − zb) = Σab − zb·Σa − za·Σb + K·za·zb (in place, eight columns per AVX2 step), then the output
        // conversion of the row
        private void Finish(int* tile, int row0, int rows, int[] sums, int sumOffset, int c0, int cols)
        {
            for (int i = 0; i < rows; i++)
            {
                int row = row0 + i, za = AZero[AZeroCount == 1 ? 0 : row], rowSum = sums[sumOffset + i], kza = unchecked(K * za);
                int* t = tile + i * QGemmPackedB.PanelWidth;
                int j = 0;
                if (Avx2.IsSupported)
                {
                    var vRowSum = Vector256.Create(rowSum);
                    var vZa = Vector256.Create(za);
                    var vKza = Vector256.Create(kza);
                    for (; j + 8 <= cols; j += 8)
                    {
                        var zb = Avx.LoadVector256(BZero + c0 + j);
                        var colSum = Avx.LoadVector256(ColSums + c0 + j);
                        var v = Avx2.Subtract(Avx.LoadVector256(t + j), Avx2.MultiplyLow(zb, vRowSum));
                        v = Avx2.Add(Avx2.Subtract(v, Avx2.MultiplyLow(vZa, colSum)), Avx2.MultiplyLow(vKza, zb));
                        Avx.Store(t + j, v);
                    }
                }
                for (; j < cols; j++)
                {
                    int zb = BZero[c0 + j];
                    t[j] = unchecked(t[j] - zb * rowSum - za * ColSums[c0 + j] + kza * zb);
                }
                Epilogue.WriteRow(row, c0, cols, t);
            }
        }
    }
}
