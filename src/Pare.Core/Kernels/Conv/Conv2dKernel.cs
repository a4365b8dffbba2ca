using System.Buffers;
using System.Numerics.Tensors;
using Pare.Core.Kernels.Gemm;
using Pare.Core.Threading;

namespace Pare.Core.Kernels.Conv;

/// <summary>2-D convolution (cross-correlation, as PyTorch and ONNX define it) forward and gradients. The
/// general case is im2col + <c>Gemm.Sgemm</c> per image and group; 1×1 stride-1 unpadded convolutions
/// multiply the input directly; depthwise convolutions go to <see cref="DepthwiseConv2d"/>. Work is split per
/// image (or per fixed image chunk for the weight gradient), so results do not depend on the thread count.
/// Scalar twin: <see cref="Conv2dReference"/>.</summary>
public static unsafe class Conv2dKernel
{
    /// <summary>Upper bound on the floats held by the per-chunk partial weight gradients (16 MB).</summary>
    private const int PartialBudget = 4 << 20;

    /// <summary>Most image chunks the weight gradient is split into.</summary>
    private const int MaxWeightChunks = 16;

    /// <summary>y = conv(x, w) + bias.</summary>
    /// <param name="g">geometry (must be valid)</param>
    /// <param name="x">(N, C_in, H, W)</param>
    /// <param name="w">(C_out, C_in/groups, kH, kW)</param>
    /// <param name="bias">(C_out) or empty for none</param>
    /// <param name="y">(N, C_out, OutH, OutW), overwritten</param>
    public static void Forward(in ConvGeometry g, ReadOnlySpan<float> x, ReadOnlySpan<float> w, ReadOnlySpan<float> bias, Span<float> y)
    {
        CheckSizes(g, x.Length, w.Length, y.Length);
        if (!bias.IsEmpty && bias.Length != g.OutChannels) throw new ArgumentException($"bias has {bias.Length} values for {g.OutChannels} output channels");
        if (y.IsEmpty) return;
        if (g.IsDepthwise)
        {
            DepthwiseConv2d.Forward(g, x, w, bias, y);
            return;
        }
        var geo = g;
        int plane = g.OutHeight * g.OutWidth, inImage = g.InChannels * g.InHeight * g.InWidth, outImage = g.OutChannels * plane;
        int inGroup = g.GroupInChannels * g.InHeight * g.InWidth, kg = g.GroupOutChannels, patch = g.PatchSize;
        bool hasBias = !bias.IsEmpty;
        fixed (float* px0 = x, pw0 = w, pb0 = bias, py0 = y)
        {
            float* px = px0, pw = pw0, pb = pb0, py = py0;
            Parallelism.For(g.N, n =>
            {
                float[]? col = geo.IsPointwise ? null : ArrayPool<float>.Shared.Rent(patch * plane);
                try
                {
                    var yn = new Span<float>(py + (long)n * outImage, outImage);
                    for (int grp = 0; grp < geo.Groups; grp++)
                    {
                        var xg = new ReadOnlySpan<float>(px + (long)n * inImage + (long)grp * inGroup, inGroup);
                        ReadOnlySpan<float> b = xg;
                        if (col is not null)
                        {
                            Im2Col.Unfold(geo, xg, col.AsSpan(0, patch * plane));
                            b = col.AsSpan(0, patch * plane);
                        }
                        var wg = new ReadOnlySpan<float>(pw + (long)grp * kg * patch, kg * patch);
                        Gemm.Gemm.Sgemm(false, false, kg, plane, patch, 1f, wg, patch, b, plane, 0f, yn.Slice(grp * kg * plane, kg * plane), plane);
                    }
                    if (hasBias)
                        for (int k = 0; k < geo.OutChannels; k++) TensorPrimitives.Add(yn.Slice(k * plane, plane), pb[k], yn.Slice(k * plane, plane));
                }
                finally
                {
                    if (col is not null) ArrayPool<float>.Shared.Return(col);
                }
            });
        }
    }

    /// <summary>dx = ∂L/∂x given dy = ∂L/∂y.</summary>
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
        fixed (float* pdy0 = dy, pw0 = w, pdx0 = dx)
        {
            float* pdy = pdy0, pw = pw0, pdx = pdx0;
            Parallelism.For(g.N, n =>
            {
                float[]? col = geo.IsPointwise ? null : ArrayPool<float>.Shared.Rent(patch * plane);
                try
                {
                    var dxn = new Span<float>(pdx + (long)n * inImage, inImage);
                    if (col is not null) dxn.Clear();
                    for (int grp = 0; grp < geo.Groups; grp++)
                    {
                        var dyg = new ReadOnlySpan<float>(pdy + (long)n * outImage + (long)grp * kg * plane, kg * plane);
                        var wg = new ReadOnlySpan<float>(pw + (long)grp * kg * patch, kg * patch);
                        var dxg = dxn.Slice(grp * inGroup, inGroup);
                        // dcol (patch × plane) = W_gᵀ · dy_g; for 1×1 the patch matrix is the input itself.
                        if (col is null)
                        {
                            Gemm.Gemm.Sgemm(true, false, patch, plane, kg, 1f, wg, patch, dyg, plane, 0f, dxg, plane);
                        }
                        else
                        {
                            var dcol = col.AsSpan(0, patch * plane);
                            Gemm.Gemm.Sgemm(true, false, patch, plane, kg, 1f, wg, patch, dyg, plane, 0f, dcol, plane);
                            Im2Col.Fold(geo, dcol, dxg);
                        }
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
    /// each chunk accumulates its images in order into its own partial, and the partials are summed in chunk
    /// order, so the result is bit-identical for every thread count.</summary>
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
        var geo = g;
        int plane = g.OutHeight * g.OutWidth, inImage = g.InChannels * g.InHeight * g.InWidth, outImage = g.OutChannels * plane;
        int inGroup = g.GroupInChannels * g.InHeight * g.InWidth, kg = g.GroupOutChannels, patch = g.PatchSize, wCount = g.WeightCount;
        int chunks = Math.Clamp(PartialBudget / Math.Max(wCount, 1), 1, Math.Min(MaxWeightChunks, g.N));
        int perChunk = (g.N + chunks - 1) / chunks;
        chunks = (g.N + perChunk - 1) / perChunk;
        float[] partials = ArrayPool<float>.Shared.Rent(chunks * wCount);
        try
        {
            fixed (float* px0 = x, pdy0 = dy, ppart0 = partials)
            {
                float* px = px0, pdy = pdy0, ppart = ppart0;
                Parallelism.For(chunks, chunk =>
                {
                    var part = new Span<float>(ppart + (long)chunk * wCount, wCount);
                    float[]? col = geo.IsPointwise ? null : ArrayPool<float>.Shared.Rent(patch * plane);
                    try
                    {
                        int n0 = chunk * perChunk, n1 = Math.Min(geo.N, n0 + perChunk);
                        for (int n = n0; n < n1; n++)
                        {
                            for (int grp = 0; grp < geo.Groups; grp++)
                            {
                                var xg = new ReadOnlySpan<float>(px + (long)n * inImage + (long)grp * inGroup, inGroup);
                                ReadOnlySpan<float> b = xg;
                                if (col is not null)
                                {
                                    Im2Col.Unfold(geo, xg, col.AsSpan(0, patch * plane));
                                    b = col.AsSpan(0, patch * plane);
                                }
                                var dyg = new ReadOnlySpan<float>(pdy + (long)n * outImage + (long)grp * kg * plane, kg * plane);
                                // dW_g (kg × patch) += dy_g (kg × plane) · colᵀ (plane × patch)
                                Gemm.Gemm.Sgemm(false, true, kg, patch, plane, 1f, dyg, plane, b, plane, n == n0 ? 0f : 1f,
                                    part.Slice(grp * kg * patch, kg * patch), patch);
                            }
                        }
                    }
                    finally
                    {
                        if (col is not null) ArrayPool<float>.Shared.Return(col);
                    }
                });
            }
            for (int c = 0; c < chunks; c++) TensorPrimitives.Add(dw, partials.AsSpan(c * wCount, wCount), dw);
        }
        finally
        {
            ArrayPool<float>.Shared.Return(partials);
        }
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
