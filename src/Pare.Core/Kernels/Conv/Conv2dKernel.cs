using System.Buffers;
using System.Numerics.Tensors;
using Pare.Core.Kernels.Gemm;
using Pare.Core.Threading;

namespace Pare.Core.Kernels.Conv;

/// <summary>2-D convolution (cross-correlation, as PyTorch and ONNX define it) forward and gradients. The
/// general case is im2col + <c>Gemm.Sgemm</c> per image and group; 1×1 stride-1 unpadded convolutions
/// multiply the input directly; depthwise convolutions go to <see cref="DepthwiseConv2d"/>, short patches over few
/// input channels to <see cref="DirectConv2d"/>. Work is split per
/// image (or per fixed image chunk for the weight gradient), so results do not depend on the thread count.
/// Scalar twin: <see cref="Conv2dReference"/>.</summary>
public static unsafe class Conv2dKernel
{
    /// <summary>Upper bound on the floats held by the per-chunk partial weight gradients (16 MB).</summary>
    private const int PartialBudget = 4 << 20;

    /// <summary>Most image chunks the weight gradient is split into.</summary>
    private const int MaxWeightChunks = 16;

    /// <summary>Columns (images × output positions) one im2col GEMM aims for: wide enough that packing A (the
    /// weights) and the call overhead are spread over many columns, small enough that the column block stays
    /// near L2.</summary>
    private const int TargetColumns = 1024;

    /// <summary>Floats of the B panels of one k block of a band (512 KB): written by im2col and read by the GEMM
    /// while both are in L2.</summary>
    private const int BandPanelFloats = 128 * 1024;

    // one-thread pool for the GEMMs inside a chunk loop that already occupies every thread
    private static readonly WorkerPool SerialPool = new(1);

    /// <summary>y = conv(x, w) + bias. The batch is cut into chunks of whole images (a count that depends only on
    /// the shapes); each chunk unfolds its images side by side into one patch matrix (patch × images·plane) and
    /// runs one GEMM per group, so a small image still gives the GEMM a wide N.</summary>
    /// <param name="g">geometry (must be valid)</param>
    /// <param name="x">(N, C_in, H, W)</param>
    /// <param name="w">(C_out, C_in/groups, kH, kW)</param>
    /// <param name="bias">(C_out) or empty for none</param>
    /// <param name="y">(N, C_out, OutH, OutW), overwritten</param>
    public static void Forward(in ConvGeometry g, ReadOnlySpan<float> x, ReadOnlySpan<float> w, ReadOnlySpan<float> bias, Span<float> y) =>
        Forward(g, x, w, bias, default, null, y);

    /// <summary>y = stage(conv(x, w) + bias, residual): the inference form of <see cref="Forward(in ConvGeometry, ReadOnlySpan{float}, ReadOnlySpan{float}, ReadOnlySpan{float}, Span{float})"/>,
    /// where the bias, the residual and the <see cref="ConvOutputStage"/> are applied to each block of the output by
    /// the thread that computed it, right after the GEMM stores it (depthwise: to each output row).</summary>
    /// <param name="g">geometry (must be valid)</param>
    /// <param name="x">(N, C_in, H, W)</param>
    /// <param name="w">(C_out, C_in/groups, kH, kW)</param>
    /// <param name="bias">(C_out) or empty for none</param>
    /// <param name="residual">(N, C_out, OutH, OutW) added before the activation, or empty for none</param>
    /// <param name="stage">what follows the bias (null: nothing)</param>
    /// <param name="y">(N, C_out, OutH, OutW), overwritten</param>
    public static void Forward(in ConvGeometry g, ReadOnlySpan<float> x, ReadOnlySpan<float> w, ReadOnlySpan<float> bias,
        ReadOnlySpan<float> residual, ConvOutputStage? stage, Span<float> y)
    {
        CheckSizes(g, x.Length, w.Length, y.Length);
        if (!bias.IsEmpty && bias.Length != g.OutChannels) throw new ArgumentException($"bias has {bias.Length} values for {g.OutChannels} output channels");
        if (!residual.IsEmpty && residual.Length != y.Length) throw new ArgumentException($"residual has {residual.Length} values for an output of {y.Length}");
        if (y.IsEmpty) return;
        stage ??= ConvOutputStage.None;
        if (g.IsDepthwise)
        {
            DepthwiseConv2d.Forward(g, x, w, bias, residual, stage, y);
            return;
        }
        if (DirectConv2d.Fits(g))
        {
            DirectConv2d.Forward(g, x, w, bias, residual, stage, y);
            return;
        }
        var geo = g;
        int plane = g.OutHeight * g.OutWidth, inImage = g.InChannels * g.InHeight * g.InWidth, outImage = g.OutChannels * plane;
        int inGroup = g.GroupInChannels * g.InHeight * g.InWidth, kg = g.GroupOutChannels, patch = g.PatchSize;
        int per = ImagesPerChunk(g), chunks = (g.N + per - 1) / per, nr = Gemm.Gemm.PanelWidth;
        bool hasBias = !bias.IsEmpty, finish = hasBias || !residual.IsEmpty || !stage.IsNone;
        var st = stage;
        // a large image (one per chunk) is further cut into bands of output rows, so its patch block stays in cache:
        // at most TargetColumns columns, and the panels of one k block of the band within BandPanelFloats (L2)
        int bands = 1, bandRows = g.OutHeight;
        if (per == 1 && !g.IsPointwise && plane > 2 * TargetColumns)
        {
            int bandCols = Math.Min(TargetColumns, BandPanelFloats / Gemm.Gemm.KBlockDepth(patch));
            bandRows = Math.Clamp(bandCols / Math.Max(1, g.OutWidth), 1, g.OutHeight);
            bands = (g.OutHeight + bandRows - 1) / bandRows;
        }
        fixed (float* px0 = x, pw0 = w, pb0 = bias, py0 = y, pz0 = residual)
        {
            float* px = px0, pw = pw0, pb = pb0, py = py0, pz = pz0;
            RunChunks(chunks * bands, (task, pool) =>
            {
                int chunk = task / bands, n0 = chunk * per, count = Math.Min(per, geo.N - n0), cols = count * plane;
                if (bands > 1)
                {
                    ForwardBand(geo, px + (long)n0 * inImage, pw, hasBias ? pb : null, py + (long)n0 * outImage,
                        pz == null ? null : pz + (long)n0 * outImage, finish ? st : null, task % bands * bandRows, bandRows, pool);
                    return;
                }
                float[]? prod = count > 1 ? ArrayPool<float>.Shared.Rent(kg * cols) : null;
                try
                {
                    // the patch matrix goes straight into the GEMM's B panels (this thread's buffer)
                    float* panels = geo.IsPointwise ? null : GemmBuffer.ForCallerPanels(Gemm.Gemm.PanelFloats(cols, patch));
                    for (int grp = 0; grp < geo.Groups; grp++)
                    {
                        var wg = new ReadOnlySpan<float>(pw + (long)grp * kg * patch, kg * patch);
                        if (panels != null)
                        {
                            // the last image's unfold decides whether the last panel's tail lanes are zero already
                            bool whole = false;
                            for (int i = 0; i < count; i++)
                                whole = Im2ColPanels.Unfold(geo, px + (long)(n0 + i) * inImage + (long)grp * inGroup, panels, nr, i * plane, 0, geo.OutHeight);
                            if (!whole) Im2ColPanels.ZeroTail(panels, nr, patch, cols);
                        }
                        if (prod is null)
                        {
                            long offset = (long)n0 * outImage + (long)grp * kg * plane;
                            var yg = new Span<float>(py + offset, kg * plane);
                            var epilogue = finish ? new ConvTileEpilogue(st, hasBias ? pb : null, grp * kg, pz == null ? null : pz + offset) : null;
                            if (panels != null)
                                Gemm.Gemm.SgemmPackedB(false, kg, plane, patch, wg, patch, panels, 0f, yg, plane, pool, epilogue);
                            else
                                Gemm.Gemm.Sgemm(false, false, kg, plane, patch, 1f, wg, patch,
                                    new ReadOnlySpan<float>(px + (long)n0 * inImage + (long)grp * inGroup, inGroup), plane, 0f, yg, plane, pool, epilogue);
                            continue;
                        }
                        // prod (kg × images·plane): scatter each image's block into NCHW, finishing it on the way
                        Gemm.Gemm.SgemmPackedB(false, kg, cols, patch, wg, patch, panels, 0f, prod.AsSpan(0, kg * cols), cols, pool);
                        for (int k = 0; k < kg; k++)
                        {
                            for (int i = 0; i < count; i++)
                            {
                                long offset = (long)(n0 + i) * outImage + (long)(grp * kg + k) * plane;
                                prod.AsSpan(k * cols + i * plane, plane).CopyTo(new Span<float>(py + offset, plane));
                                if (finish) st.ApplyRow(py + offset, plane, hasBias, hasBias ? pb[grp * kg + k] : 0f, pz == null ? null : pz + offset);
                            }
                        }
                    }
                }
                finally
                {
                    if (prod is not null) ArrayPool<float>.Shared.Return(prod);
                }
            });
        }
    }

    /// <summary>Output rows [oy0, oy0 + rows) of one image: im2col of the band into the GEMM's B panels, then one
    /// GEMM per group writing straight into y's rows (ldc = the full plane), each block finished by the stage (when
    /// not null) with the bias and the residual z (same layout as y, or null).</summary>
    private static void ForwardBand(in ConvGeometry g, float* x, float* w, float* bias, float* y, float* z, ConvOutputStage? stage,
        int oy0, int rows, WorkerPool? pool)
    {
        int ow = g.OutWidth, plane = g.OutHeight * ow, oy1 = Math.Min(g.OutHeight, oy0 + rows), cols = (oy1 - oy0) * ow;
        int inGroup = g.GroupInChannels * g.InHeight * g.InWidth, kg = g.GroupOutChannels, patch = g.PatchSize, nr = Gemm.Gemm.PanelWidth;
        // one GEMM per k block of the GEMM's own blocking (β = 1 after the first: the same sums as one call), so the
        // panels im2col writes are read back from L2
        int kc = Gemm.Gemm.KBlockDepth(patch);
        float* panels = GemmBuffer.ForCallerPanels(Gemm.Gemm.PanelFloats(cols, kc));
        for (int grp = 0; grp < g.Groups; grp++)
        {
            var yg = new Span<float>(y + (long)grp * kg * plane, kg * plane);
            var c = yg[(oy0 * ow)..];
            long offset = (long)grp * kg * plane + (long)oy0 * ow;
            var epilogue = stage is null ? null : new ConvTileEpilogue(stage, bias, grp * kg, z == null ? null : z + offset);
            for (int r0 = 0; r0 < patch; r0 += kc)
            {
                int depth = Math.Min(kc, patch - r0);
                if (!Im2ColPanels.Unfold(g, x + (long)grp * inGroup, panels, nr, 0, oy0, oy1, r0, r0 + depth))
                    Im2ColPanels.ZeroTail(panels, nr, depth, cols);
                var a = new ReadOnlySpan<float>(w + (long)grp * kg * patch + r0, (kg - 1) * patch + depth);
                Gemm.Gemm.SgemmPackedB(false, kg, cols, depth, a, patch, panels, r0 == 0 ? 0f : 1f, c, plane, pool,
                    r0 + depth == patch ? epilogue : null);
            }
        }
    }

    /// <summary>dx = ∂L/∂x given dy = ∂L/∂y: per chunk of images, dcol (patch × images·plane) = W_gᵀ · dy_g in one
    /// GEMM, then col2im per image.</summary>
    /// <param name="g">geometry</param>
    /// <param name="dy">(N, C_out, OutH, OutW)</param>
    /// <param name="w">(C_out, C_in/groups, kH, kW)</param>
    /// <param name="dx">(N, C_in, H, W), overwritten</param>
    public static void BackwardInput(in ConvGeometry g, ReadOnlySpan<float> dy, ReadOnlySpan<float> w, Span<float> dx)
    {
        CheckSizes(g, dx.Length, w.Length, dy.Length);
        if (dx.IsEmpty) return;
        if (g.IsDepthwise)
        {
            DepthwiseConv2d.BackwardInput(g, dy, w, dx);
            return;
        }
        var geo = g;
        int plane = g.OutHeight * g.OutWidth, inImage = g.InChannels * g.InHeight * g.InWidth, outImage = g.OutChannels * plane;
        int inGroup = g.GroupInChannels * g.InHeight * g.InWidth, kg = g.GroupOutChannels, patch = g.PatchSize;
        int per = ImagesPerChunk(g), chunks = (g.N + per - 1) / per, nr = Gemm.Gemm.PanelWidth;
        fixed (float* pdy0 = dy, pw0 = w, pdx0 = dx)
        {
            float* pdy = pdy0, pw = pw0, pdx = pdx0;
            RunChunks(chunks, (chunk, pool) =>
            {
                int n0 = chunk * per, count = Math.Min(per, geo.N - n0), cols = count * plane;
                float[]? col = geo.IsPointwise ? null : ArrayPool<float>.Shared.Rent(patch * cols);
                try
                {
                    var dxc = new Span<float>(pdx + (long)n0 * inImage, count * inImage);
                    if (col is not null) dxc.Clear();
                    // dy's channels of the chunk's images go straight into the GEMM's B panels (K = kg rows)
                    float* panels = col is null ? null : GemmBuffer.ForCallerPanels(Gemm.Gemm.PanelFloats(cols, kg));
                    for (int grp = 0; grp < geo.Groups; grp++)
                    {
                        var wg = new ReadOnlySpan<float>(pw + (long)grp * kg * patch, kg * patch);
                        if (col is null)
                        {
                            // 1×1: the patch matrix is the input itself (chunks hold one image, see ImagesPerChunk)
                            var dyg = new ReadOnlySpan<float>(pdy + (long)n0 * outImage + (long)grp * kg * plane, kg * plane);
                            Gemm.Gemm.Sgemm(true, false, patch, plane, kg, 1f, wg, patch, dyg, plane, 0f, dxc.Slice(grp * inGroup, inGroup), plane, pool);
                            continue;
                        }
                        for (int i = 0; i < count; i++)
                            Im2ColPanels.PutRows(pdy + (long)(n0 + i) * outImage + (long)grp * kg * plane, plane, kg, plane, panels, nr, i * plane);
                        Im2ColPanels.ZeroTail(panels, nr, kg, cols);
                        var dcol = col.AsSpan(0, patch * cols);
                        Gemm.Gemm.SgemmPackedB(true, patch, cols, kg, wg, patch, panels, 0f, dcol, cols, pool);
                        for (int i = 0; i < count; i++) Im2Col.FoldInPlace(geo, dcol[(i * plane)..], cols, dxc.Slice(i * inImage + grp * inGroup, inGroup));
                    }
                }
                finally
                {
                    if (col is not null) ArrayPool<float>.Shared.Return(col);
                }
            });
        }
    }

    /// <summary>dw = ∂L/∂w given dy. The batch is cut into a number of chunks that depends only on the shapes;
    /// each chunk accumulates its images, a few at a time side by side (one GEMM with K = images·plane), in order
    /// into its own partial, and the partials are summed in chunk order, so the result is bit-identical for every
    /// thread count. When the patch is shorter than the output channels (the first layer of a CNN: C_in = 1) the
    /// product is formed transposed, dwᵀ = col · dyᵀ, which fills the GEMM's tiles better.</summary>
    /// <param name="g">geometry</param>
    /// <param name="x">(N, C_in, H, W)</param>
    /// <param name="dy">(N, C_out, OutH, OutW)</param>
    /// <param name="dw">(C_out, C_in/groups, kH, kW), overwritten</param>
    public static void BackwardWeight(in ConvGeometry g, ReadOnlySpan<float> x, ReadOnlySpan<float> dy, Span<float> dw)
    {
        CheckSizes(g, x.Length, dw.Length, dy.Length);
        if (dw.IsEmpty) return;
        if (g.IsDepthwise)
        {
            DepthwiseConv2d.BackwardWeight(g, x, dy, dw);
            return;
        }
        dw.Clear();
        if (g.N == 0 || g.OutHeight * g.OutWidth == 0) return;
        if (ShortPatchWeightGradient.Applies(g))
        {
            ShortPatchWeightGradient.Run(g, x, dy, dw);
            return;
        }
        var geo = g;
        int plane = g.OutHeight * g.OutWidth, inImage = g.InChannels * g.InHeight * g.InWidth, outImage = g.OutChannels * plane;
        int inGroup = g.GroupInChannels * g.InHeight * g.InWidth, kg = g.GroupOutChannels, patch = g.PatchSize, wCount = g.WeightCount;
        int chunks = Math.Clamp(PartialBudget / Math.Max(wCount, 1), 1, Math.Min(MaxWeightChunks, g.N));
        int perChunk = (g.N + chunks - 1) / chunks;
        chunks = (g.N + perChunk - 1) / perChunk;
        // sub-batches of (nearly) equal size within a chunk: 8 images at 5 per GEMM run as 4 + 4, not 5 + 3
        int subBatches = (perChunk + ImagesPerChunk(g) - 1) / ImagesPerChunk(g);
        int per = (perChunk + subBatches - 1) / subBatches;
        bool transposed = patch < kg;
        float[] partials = ArrayPool<float>.Shared.Rent(chunks * wCount);
        try
        {
            fixed (float* px0 = x, pdy0 = dy, ppart0 = partials)
            {
                float* px = px0, pdy = pdy0, ppart = ppart0;
                RunChunks(chunks, (chunk, pool) =>
                {
                    var part = new Span<float>(ppart + (long)chunk * wCount, wCount);
                    int maxCols = per * plane;
                    float[]? col = geo.IsPointwise ? null : ArrayPool<float>.Shared.Rent(patch * maxCols);
                    float[]? gathered = per > 1 ? ArrayPool<float>.Shared.Rent(kg * maxCols) : null;
                    try
                    {
                        int c0 = chunk * perChunk, c1 = Math.Min(geo.N, c0 + perChunk);
                        for (int n0 = c0; n0 < c1; n0 += per)
                        {
                            int count = Math.Min(per, c1 - n0), cols = count * plane;
                            for (int grp = 0; grp < geo.Groups; grp++)
                            {
                                ReadOnlySpan<float> b = new ReadOnlySpan<float>(px + (long)n0 * inImage + (long)grp * inGroup, inGroup);
                                if (col is not null)
                                {
                                    for (int i = 0; i < count; i++)
                                        Im2Col.Unfold(geo, new ReadOnlySpan<float>(px + (long)(n0 + i) * inImage + (long)grp * inGroup, inGroup), col.AsSpan(i * plane), cols);
                                    b = col.AsSpan(0, patch * cols);
                                }
                                ReadOnlySpan<float> dyg = count == 1
                                    ? new ReadOnlySpan<float>(pdy + (long)n0 * outImage + (long)grp * kg * plane, kg * plane)
                                    : Gather(pdy, outImage, n0, count, grp * kg, kg, plane, gathered!);
                                float beta = n0 == c0 ? 0f : 1f;
                                var pg = part.Slice(grp * kg * patch, kg * patch);
                                // dW_g (kg × patch) += dy_g (kg × cols) · colᵀ (cols × patch), or its transpose
                                if (transposed) Gemm.Gemm.Sgemm(false, true, patch, kg, cols, 1f, b, cols, dyg, cols, beta, pg, kg, pool);
                                else Gemm.Gemm.Sgemm(false, true, kg, patch, cols, 1f, dyg, cols, b, cols, beta, pg, patch, pool);
                            }
                        }
                    }
                    finally
                    {
                        if (col is not null) ArrayPool<float>.Shared.Return(col);
                        if (gathered is not null) ArrayPool<float>.Shared.Return(gathered);
                    }
                });
            }
            if (!transposed)
            {
                for (int c = 0; c < chunks; c++) TensorPrimitives.Add(dw, partials.AsSpan(c * wCount, wCount), dw);
            }
            else
            {
                // sum the (patch × kg) partials in chunk order, then transpose each group into (kg × patch)
                var sum = partials.AsSpan(0, wCount);
                for (int c = 1; c < chunks; c++) TensorPrimitives.Add(sum, partials.AsSpan(c * wCount, wCount), sum);
                for (int grp = 0; grp < g.Groups; grp++)
                    for (int p = 0; p < patch; p++)
                        for (int k = 0; k < kg; k++) dw[grp * kg * patch + k * patch + p] = sum[grp * kg * patch + p * kg + k];
            }
        }
        finally
        {
            ArrayPool<float>.Shared.Return(partials);
        }
    }

    /// <summary>Images per chunk of the im2col GEMMs: enough to give them about <see cref="TargetColumns"/>
    /// columns, a function of the shapes only. Pointwise convolutions read x in place, one image at a time.</summary>
    private static int ImagesPerChunk(in ConvGeometry g)
    {
        int plane = g.OutHeight * g.OutWidth;
        if (g.IsPointwise || plane == 0) return 1;
        return Math.Clamp(TargetColumns / plane, 1, Math.Max(g.N, 1));
    }

    /// <summary>Runs body(chunk, pool) for every chunk: a single chunk on the calling thread with the GEMMs free to
    /// use every thread, several chunks spread over the pool with one-thread GEMMs. GEMM results do not depend on
    /// its thread count, so neither do ours.</summary>
    private static void RunChunks(int chunks, Action<int, WorkerPool?> body)
    {
        if (chunks == 1) body(0, null);
        else Parallelism.For(chunks, chunk => body(chunk, SerialPool));
    }

    /// <summary>Copies channels [k0, k0+kg) of images [n0, n0+count) of dy side by side into (kg × count·plane).</summary>
    private static ReadOnlySpan<float> Gather(float* dy, int outImage, int n0, int count, int k0, int kg, int plane, float[] dst)
    {
        int cols = count * plane;
        for (int k = 0; k < kg; k++)
            for (int i = 0; i < count; i++)
                new ReadOnlySpan<float>(dy + (long)(n0 + i) * outImage + (long)(k0 + k) * plane, plane).CopyTo(dst.AsSpan(k * cols + i * plane, plane));
        return dst.AsSpan(0, kg * cols);
    }

    /// <summary>db[k] = Σ over batch and positions of dy[n, k, ·, ·]; parallel over channels, batch in order.</summary>
    /// <param name="g">geometry</param>
    /// <param name="dy">(N, C_out, OutH, OutW)</param>
    /// <param name="db">(C_out), overwritten</param>
    public static void BackwardBias(in ConvGeometry g, ReadOnlySpan<float> dy, Span<float> db)
    {
        int plane = g.OutHeight * g.OutWidth, outImage = g.OutChannels * plane, n = g.N;
        if (dy.Length != (long)n * outImage || db.Length != g.OutChannels)
            throw new ArgumentException($"bias gradient: dy has {dy.Length} values and db {db.Length} for geometry {g}");
        fixed (float* pdy0 = dy, pdb0 = db)
        {
            float* pdy = pdy0, pdb = pdb0;
            Parallelism.For(g.OutChannels, k =>
            {
                float sum = 0;
                for (int i = 0; i < n; i++) sum += TensorPrimitives.Sum(new ReadOnlySpan<float>(pdy + (long)i * outImage + (long)k * plane, plane));
                pdb[k] = sum;
            });
        }
    }

    internal static void CheckSizes(in ConvGeometry g, int xLength, int wLength, int yLength)
    {
        if (!g.IsValid) throw new ArgumentException($"invalid convolution geometry {g}");
        long xs = (long)g.N * g.InChannels * g.InHeight * g.InWidth;
        long ys = (long)g.N * g.OutChannels * g.OutHeight * g.OutWidth;
        if (xLength != xs || wLength != g.WeightCount || yLength != ys)
            throw new ArgumentException($"convolution spans hold x {xLength}, w {wLength}, y {yLength} values; geometry {g} needs {xs}, {g.WeightCount}, {ys}");
    }
}
