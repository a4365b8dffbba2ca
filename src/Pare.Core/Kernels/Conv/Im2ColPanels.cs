using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Pare.Core.Kernels.Conv;

/// <summary>im2col written straight into the packed B layout of <c>Gemm.SgemmPackedB</c>, so the patch matrix is
/// written once instead of written by im2col and copied again by the GEMM's packing. The patch matrix (K rows,
/// one column per output position of the images side by side) is stored as NR-wide panels: column j of row r
/// lives at dst[(j / NR)·NR·K + r·NR + j % NR]. Rows follow <see cref="Im2Col"/>: r = (c·kH + kh)·kW + kw.</summary>
internal static unsafe class Im2ColPanels
{
    /// <summary>Writes the patch columns of output rows [oy0, oy1) of one image group, position (oy, ox) to
    /// column col0 + (oy − oy0)·OutW + ox.</summary>
    /// <param name="g">geometry (per-group sizes are used)</param>
    /// <param name="x">(C_in/groups, H, W) of one image</param>
    /// <param name="dst">panels of depth K = <see cref="ConvGeometry.PatchSize"/></param>
    /// <param name="nr">panel width</param>
    /// <param name="col0">column of the first position</param>
    /// <param name="oy0">first output row</param>
    /// <param name="oy1">end of the output rows</param>
    /// <returns>true when whole panels were written, zero lanes past the last column included (then
    /// <see cref="ZeroTail"/> has nothing left to do for these columns)</returns>
    public static bool Unfold(in ConvGeometry g, float* x, float* dst, int nr, int col0, int oy0, int oy1) =>
        Unfold(g, x, dst, nr, col0, oy0, oy1, 0, g.PatchSize);

    /// <summary>Rows [r0, r1) of the patch matrix only (a slice of K, written as panels of depth r1 − r0), so a caller
    /// can run the GEMM one k block at a time on panels that stay in L2.</summary>
    /// <param name="g">geometry (per-group sizes are used)</param>
    /// <param name="x">(C_in/groups, H, W) of one image</param>
    /// <param name="dst">panels of depth r1 − r0</param>
    /// <param name="nr">panel width</param>
    /// <param name="col0">column of the first position</param>
    /// <param name="oy0">first output row</param>
    /// <param name="oy1">end of the output rows</param>
    /// <param name="r0">first patch row</param>
    /// <param name="r1">end of the patch rows</param>
    /// <returns>true when whole panels were written, zero lanes past the last column included</returns>
    public static bool Unfold(in ConvGeometry g, float* x, float* dst, int nr, int col0, int oy0, int oy1, int r0, int r1)
    {
        int oh = g.OutHeight, ow = g.OutWidth, h = g.InHeight, w = g.InWidth, hw = h * w;
        var panels = new Panels(dst, nr, r1 - r0);
        int taps = g.KernelH * g.KernelW;
        // Stride 1 with OutW = W (e.g. 3×3, pad 1): position p = oy·W + ox reads input index p + shift for every
        // tap, so one tap row is a single shifted copy of the plane, after which the positions whose column or
        // row falls into the padding are zeroed.
        bool shifted = g.StrideH == 1 && g.StrideW == 1 && ow == w;
        if (shifted && nr == ShiftedPanelWidth && Vector512.IsHardwareAccelerated && col0 % nr == 0)
        {
            UnfoldShifted(g, x, dst, col0, oy0, oy1, r0, r1);
            return true;
        }
        bool strided = !shifted && g.StrideW > 1;
        Span<float> gather = !strided ? default : ow <= 1024 ? stackalloc float[ow] : new float[ow];
        for (int c = r0 / taps, r = c * taps; c < g.GroupInChannels && r < r1; c++)
        {
            float* xc = x + (long)c * hw;
            for (int kh = 0; kh < g.KernelH; kh++)
            {
                int iy0 = kh * g.DilationH - g.PadTop;
                Im2Col.ValidRange(iy0, g.StrideH, h, oh, out int yLo, out int yHi);
                yLo = Math.Clamp(yLo, oy0, oy1);
                yHi = Math.Clamp(yHi, yLo, oy1);
                for (int kw = 0; kw < g.KernelW; kw++, r++)
                {
                    if (r < r0 || r >= r1) continue;
                    int pr = r - r0;
                    int ix0 = kw * g.DilationW - g.PadLeft;
                    Im2Col.ValidRange(ix0, g.StrideW, w, ow, out int lo, out int hi);
                    int rowCol0 = col0 - oy0 * ow; // column of position 0 (may be negative; only used with p ≥ oy0·ow)
                    if (shifted)
                    {
                        int shift = iy0 * w + ix0, a = yLo * ow, b = yHi * ow;
                        panels.Zero(pr, col0, a - oy0 * ow);
                        panels.Zero(pr, rowCol0 + b, oy1 * ow - b);
                        if (b <= a) continue;
                        // positions whose source index leaves the plane are padding columns: never read them
                        int ca = Math.Clamp(-shift, a, b), cb = Math.Clamp(hw - shift, ca, b);
                        panels.Zero(pr, rowCol0 + a, ca - a);
                        panels.Put(pr, rowCol0 + ca, xc + ca + shift, cb - ca);
                        panels.Zero(pr, rowCol0 + cb, b - cb);
                        if (lo > 0 || hi < ow)
                        {
                            // padding columns (1 or 2 per row for the usual pads): single stores
                            for (int oy = yLo; oy < yHi; oy++)
                            {
                                int rowStart = rowCol0 + oy * ow;
                                for (int ox = 0; ox < lo; ox++) *panels.At(pr, rowStart + ox) = 0;
                                for (int ox = hi; ox < ow; ox++) *panels.At(pr, rowStart + ox) = 0;
                            }
                        }
                        continue;
                    }
                    panels.Zero(pr, col0, (yLo - oy0) * ow);
                    panels.Zero(pr, rowCol0 + yHi * ow, (oy1 - yHi) * ow);
                    for (int oy = yLo; oy < yHi; oy++)
                    {
                        int col = rowCol0 + oy * ow;
                        float* src = xc + (long)(oy * g.StrideH + iy0) * w;
                        panels.Zero(pr, col, lo);
                        panels.Zero(pr, col + hi, ow - hi);
                        if (hi <= lo) continue;
                        if (!strided)
                        {
                            panels.Put(pr, col + lo, src + lo + ix0, hi - lo);
                            continue;
                        }
                        if (g.StrideW == 2)
                        {
                            fixed (float* pg = gather) GatherStride2(src + lo * 2 + ix0, hi - lo, pg);
                        }
                        else
                        {
                            for (int ox = lo, ix = lo * g.StrideW + ix0; ox < hi; ox++, ix += g.StrideW) gather[ox - lo] = src[ix];
                        }
                        fixed (float* pg = gather) panels.Put(pr, col + lo, pg, hi - lo);
                    }
                }
            }
        }
        return false;
    }

    // the panel width of the AVX-512 GEMM: a panel row is two 16-lane vectors
    private const int ShiftedPanelWidth = 32;

    /// <summary>The shifted case (stride 1, OutW = W) panel by panel: every tap row of a panel is two 16-float loads of
    /// the plane at the tap's shift, with the lanes whose source falls into the padding (or past the last position)
    /// zeroed by a mask from the lanes' output row and column — two vector stores per tap row instead of a copy cut
    /// at every panel edge plus a scalar store per padding column and output row (most of the im2col time of small
    /// images such as MNIST's 28×28 and 14×14 with 5×5 taps). Writes whole panels: lanes past the last position get
    /// zeros (a later image of the same chunk overwrites its own lanes).</summary>
    private static void UnfoldShifted(in ConvGeometry g, float* x, float* dst, int col0, int oy0, int oy1, int r0, int r1)
    {
        int hw = g.InHeight * g.InWidth, p0 = oy0 * g.InWidth, end = oy1 * g.InWidth; // positions [p0, end) (OutW = W)
        if (end <= p0) return;
        long readable = (long)g.GroupInChannels * hw;
        // how far the 32-lane loads reach before x and past its end (edge panels of the first and last channel)
        long before = Math.Max(0, (long)g.PadTop * g.InWidth + g.PadLeft - p0);
        long lastLoad = (readable - hw) + p0 + (end - 1 - p0) / ShiftedPanelWidth * ShiftedPanelWidth + ShiftedPanelWidth
            + ((long)(g.KernelH - 1) * g.DilationH - g.PadTop) * g.InWidth + (g.KernelW - 1) * g.DilationW - g.PadLeft;
        long after = Math.Max(0, lastLoad - readable);
        if (before == 0 && after == 0)
        {
            UnfoldShifted(g, x, readable, dst, col0, p0, end, r0, r1);
            return;
        }
        if (before + readable + after > MaxPaddedCopy)
        {
            UnfoldShifted(g, x, readable, dst, col0, p0, end, r0, r1); // edge panels take the lane-by-lane path
            return;
        }
        // a small image: copy it between zero margins once, so every load is in bounds and stays a vector load
        int length = (int)(before + readable + after);
        var copy = System.Buffers.ArrayPool<float>.Shared.Rent(length);
        try
        {
            fixed (float* pc = copy)
            {
                new Span<float>(pc, (int)before).Clear();
                new ReadOnlySpan<float>(x, (int)readable).CopyTo(new Span<float>(pc + before, (int)readable));
                new Span<float>(pc + before + readable, (int)after).Clear();
                UnfoldShifted(g, pc + before, readable + after, dst, col0, p0, end, r0, r1, before);
            }
        }
        finally
        {
            System.Buffers.ArrayPool<float>.Shared.Return(copy);
        }
    }

    // floats of input (with margins) up to which an image whose loads leave x is copied between zero margins
    private const int MaxPaddedCopy = 1 << 16;

    // positions [p0, end) and patch rows [r0, r1) of the group at x, where x[−ahead .. readable) may be loaded (ahead:
    // zero margin before x)
    private static void UnfoldShifted(in ConvGeometry g, float* x, long readable, float* dst, int col0, int p0, int end,
        int r0, int r1, long ahead = 0)
    {
        const int nr = ShiftedPanelWidth, half = 16;
        int w = g.InWidth, h = g.InHeight, hw = h * w, depth = r1 - r0, taps = g.KernelH * g.KernelW;
        int* oy = stackalloc int[nr];
        int* ox = stackalloc int[nr];
        float* lanes = stackalloc float[nr];
        for (int pq = p0, q = col0 / nr; pq < end; pq += nr, q++)
        {
            float* panel = dst + (long)q * nr * depth;
            // lanes past the end get a row no tap reaches, so every mask drops them (one division per panel: the
            // lanes step through the columns of a row and wrap to the next)
            int row = pq / w, col = pq - row * w;
            for (int l = 0; l < nr; l++)
            {
                bool inside = pq + l < end;
                oy[l] = inside ? row : int.MinValue / 2;
                ox[l] = col;
                if (++col == w)
                {
                    col = 0;
                    row++;
                }
            }
            Vector512<int> oyA = Vector512.Load(oy), oyB = Vector512.Load(oy + half);
            Vector512<int> oxA = Vector512.Load(ox), oxB = Vector512.Load(ox + half);
            for (int c = r0 / taps, r = c * taps; c < g.GroupInChannels && r < r1; c++)
            {
                for (int kh = 0; kh < g.KernelH; kh++)
                {
                    int dy = kh * g.DilationH - g.PadTop;
                    // (uint)(oy + dy) < h: the source row is inside the image
                    var rowA = Vector512.LessThan((oyA + Vector512.Create(dy)).AsUInt32(), Vector512.Create((uint)h));
                    var rowB = Vector512.LessThan((oyB + Vector512.Create(dy)).AsUInt32(), Vector512.Create((uint)h));
                    for (int kw = 0; kw < g.KernelW; kw++, r++)
                    {
                        if (r < r0 || r >= r1) continue;
                        int dx = kw * g.DilationW - g.PadLeft;
                        var okA = rowA & Vector512.LessThan((oxA + Vector512.Create(dx)).AsUInt32(), Vector512.Create((uint)w));
                        var okB = rowB & Vector512.LessThan((oxB + Vector512.Create(dx)).AsUInt32(), Vector512.Create((uint)w));
                        long s = (long)c * hw + pq + dy * w + dx; // source of lane 0
                        Vector512<float> a, b;
                        if (s >= -ahead && s + nr <= readable)
                        {
                            a = Vector512.Load(x + s);
                            b = Vector512.Load(x + s + half);
                        }
                        else
                        {
                            // an edge panel of a large image whose load would leave x: only the lanes in the image
                            for (int l = 0; l < nr; l++)
                                lanes[l] = (uint)(oy[l] + dy) < (uint)h && (uint)(ox[l] + dx) < (uint)w ? x[s + l] : 0f;
                            a = Vector512.Load(lanes);
                            b = Vector512.Load(lanes + half);
                        }
                        float* d = panel + (r - r0) * nr;
                        Vector512.Store(Vector512.ConditionalSelect(okA.AsSingle(), a, Vector512<float>.Zero), d);
                        Vector512.Store(Vector512.ConditionalSelect(okB.AsSingle(), b, Vector512<float>.Zero), d + half);
                    }
                }
            }
        }
    }

    /// <summary>dst[i] = src[2·i] for i &lt; n (the columns a stride-2 row reads), eight or sixteen at a time. The vector
    /// loop reads src[2·i + 1] too, so it stops one vector early: it never reads past src[2·(n − 1)].</summary>
    internal static void GatherStride2(float* src, int n, float* dst)
    {
        int i = 0;
        if (Avx512F.IsSupported)
        {
            // even lanes of two 16-float vectors: index j < 16 picks from the first, j ≥ 16 from the second
            var even = Vector512.Create(0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30);
            for (; i + 16 < n; i += 16)
                Avx512F.PermuteVar16x32x2(Vector512.Load(src + 2 * i), even, Vector512.Load(src + 2 * i + 16)).Store(dst + i);
        }
        else if (Avx2.IsSupported)
        {
            for (; i + 8 < n; i += 8)
            {
                // a0 a2 b0 b2 | a4 a6 b4 b6, then the 64-bit pairs reordered to a0 a2 a4 a6 b0 b2 b4 b6
                var pairs = Avx.Shuffle(Vector256.Load(src + 2 * i), Vector256.Load(src + 2 * i + 8), 0b10_00_10_00);
                Avx2.Permute4x64(pairs.AsDouble(), 0b11_01_10_00).AsSingle().Store(dst + i);
            }
        }
        for (; i < n; i++) dst[i] = src[2 * i];
    }

    /// <summary>Writes rows × len values (row i at src + i·srcStride) to columns [col0, col0 + len) of panel rows
    /// [0, rows): a gather of dy's channels for one image as the B operand of dcol = Wᵀ·dy.</summary>
    /// <param name="src">first value of row 0</param>
    /// <param name="srcStride">distance between rows of the source</param>
    /// <param name="rows">rows (the panels' depth K)</param>
    /// <param name="len">values per row</param>
    /// <param name="dst">panels of depth <paramref name="rows"/></param>
    /// <param name="nr">panel width</param>
    /// <param name="col0">first column</param>
    public static void PutRows(float* src, long srcStride, int rows, int len, float* dst, int nr, int col0)
    {
        var panels = new Panels(dst, nr, rows);
        for (int r = 0; r < rows; r++) panels.Put(r, col0, src + r * srcStride, len);
    }

    /// <summary>Zeroes the lanes past column <paramref name="cols"/> in the last panel, so the kernel's full tiles
    /// multiply zeros there.</summary>
    /// <param name="dst">panels of depth <paramref name="depth"/></param>
    /// <param name="nr">panel width</param>
    /// <param name="depth">rows of the panel matrix (K)</param>
    /// <param name="cols">columns in use</param>
    public static void ZeroTail(float* dst, int nr, int depth, int cols)
    {
        int used = cols % nr;
        if (used == 0) return;
        var panels = new Panels(dst, nr, depth);
        for (int r = 0; r < depth; r++) panels.Zero(r, cols, nr - used);
    }

    /// <summary>Addressing of a panel matrix (the panel width is a power of two, so a column splits into panel and
    /// lane by shift and mask); runs of a row are cut where they cross into the next panel.</summary>
    private readonly struct Panels
    {
        private readonly float* _dst;
        private readonly long _panelStride;
        private readonly int _nr, _shift;

        public Panels(float* dst, int nr, int depth)
        {
            if (nr <= 0 || (nr & (nr - 1)) != 0) throw new ArgumentException($"panel width {nr} is not a power of two");
            _dst = dst;
            _nr = nr;
            _shift = BitOperations.Log2((uint)nr);
            _panelStride = (long)nr * depth;
        }

        /// <summary>Address of (row, col).</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public float* At(int row, int col) => _dst + (col >> _shift) * _panelStride + (long)row * _nr + (col & (_nr - 1));

        public void Put(int row, int col, float* src, int len)
        {
            while (len > 0)
            {
                int lane = col & (_nr - 1), take = Math.Min(len, _nr - lane);
                float* d = At(row, col);
                int i = 0;
                if (Vector256.IsHardwareAccelerated)
                    for (; i + 8 <= take; i += 8) Vector256.Store(Vector256.Load(src + i), d + i);
                for (; i < take; i++) d[i] = src[i];
                src += take;
                col += take;
                len -= take;
            }
        }

        public void Zero(int row, int col, int len)
        {
            while (len > 0)
            {
                int lane = col & (_nr - 1), take = Math.Min(len, _nr - lane);
                float* d = At(row, col);
                int i = 0;
                if (Vector256.IsHardwareAccelerated)
                    for (; i + 8 <= take; i += 8) Vector256.Store(Vector256<float>.Zero, d + i);
                for (; i < take; i++) d[i] = 0;
                col += take;
                len -= take;
            }
        }
    }
}
