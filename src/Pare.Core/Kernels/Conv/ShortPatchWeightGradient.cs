using System.Buffers;
using System.Numerics;
using System.Numerics.Tensors;
using Pare.Core.Threading;

namespace Pare.Core.Kernels.Conv;

/// <summary>The weight gradient of a convolution with a short patch (a network's first layer: C_in = 1, 3×3 gives 9
/// taps) as dot products over output positions, dw[k, t] = Σ_n Σ_p dy[n, k, p]·col_n[t, p], instead of a GEMM whose
/// 12- or 32-wide tiles would be mostly padding for K = 9 and whose packing would transpose both operands. Three
/// output channels × three taps are accumulated at a time in nine <see cref="Vector{T}"/> registers (each position
/// vector: three dy loads and three col loads feed nine FMAs). Images are cut into a fixed number of chunks; each
/// chunk's vector partials are reduced once at its end and the chunks are summed in order, so the result does not
/// depend on the thread count. Scalar twin: <see cref="Conv2dReference.BackwardWeight"/>.</summary>
internal static unsafe class ShortPatchWeightGradient
{
    /// <summary>Longest patch (C_in/groups · kH · kW) taken by this path.</summary>
    public const int MaxPatch = 12;

    /// <summary>Most image chunks (the partials they need are tiny).</summary>
    private const int MaxChunks = 16;

    /// <summary>Whether <see cref="Run"/> handles the geometry: a short patch that is not read in place (1×1).</summary>
    public static bool Applies(in ConvGeometry g) => g.PatchSize <= MaxPatch && !g.IsPointwise && !g.IsDepthwise;

    /// <summary>dw = ∂L/∂w.</summary>
    /// <param name="g">geometry (<see cref="Applies"/>, N ≥ 1, a non-empty output plane)</param>
    /// <param name="x">(N, C_in, H, W)</param>
    /// <param name="dy">(N, C_out, OutH, OutW)</param>
    /// <param name="dw">(C_out, C_in/groups, kH, kW), overwritten</param>
    public static void Run(in ConvGeometry g, ReadOnlySpan<float> x, ReadOnlySpan<float> dy, Span<float> dw)
    {
        var geo = g;
        int plane = g.OutHeight * g.OutWidth, inImage = g.InChannels * g.InHeight * g.InWidth, outImage = g.OutChannels * plane;
        int inGroup = g.GroupInChannels * g.InHeight * g.InWidth, kg = g.GroupOutChannels, patch = g.PatchSize, wCount = g.WeightCount;
        int chunks = Math.Min(MaxChunks, g.N), per = (g.N + chunks - 1) / chunks;
        chunks = (g.N + per - 1) / per;
        int lanes = Vector<float>.Count;
        float[] partials = ArrayPool<float>.Shared.Rent(chunks * wCount);
        try
        {
            fixed (float* px0 = x, pdy0 = dy, ppart0 = partials)
            {
                float* px = px0, pdy = pdy0, ppart = ppart0;
                Parallelism.For(chunks, chunk =>
                {
                    // per weight: one vector of lane partials and one scalar for the positions past the last whole vector
                    float[] acc = ArrayPool<float>.Shared.Rent(wCount * lanes + wCount);
                    float[] col = ArrayPool<float>.Shared.Rent(patch * plane);
                    try
                    {
                        Array.Clear(acc, 0, wCount * lanes + wCount);
                        fixed (float* pacc = acc, pcol = col)
                        {
                            var vacc = (Vector<float>*)pacc;
                            float* tail = pacc + wCount * lanes;
                            for (int n = chunk * per, end = Math.Min(geo.N, n + per); n < end; n++)
                            {
                                for (int grp = 0; grp < geo.Groups; grp++)
                                {
                                    Im2Col.Unfold(geo, new ReadOnlySpan<float>(px + (long)n * inImage + (long)grp * inGroup, inGroup), col);
                                    float* dyg = pdy + (long)n * outImage + (long)grp * kg * plane;
                                    int w0 = grp * kg * patch;
                                    Accumulate(dyg, kg, pcol, patch, plane, vacc + w0, tail + w0);
                                }
                            }
                            float* part = ppart + (long)chunk * wCount;
                            for (int i = 0; i < wCount; i++) part[i] = Vector.Sum(vacc[i]) + tail[i];
                        }
                    }
                    finally
                    {
                        ArrayPool<float>.Shared.Return(acc);
                        ArrayPool<float>.Shared.Return(col);
                    }
                });
            }
            partials.AsSpan(0, wCount).CopyTo(dw);
            for (int c = 1; c < chunks; c++) TensorPrimitives.Add(dw, partials.AsSpan(c * wCount, wCount), dw);
        }
        finally
        {
            ArrayPool<float>.Shared.Return(partials);
        }
    }

    /// <summary>acc[k·patch + t] += dy[k, ·]·col[t, ·] over the whole vectors of the plane, tail[k·patch + t] over the
    /// rest. Groups of fewer than three rows or taps repeat their first row or tap and drop the duplicate sums.</summary>
    private static void Accumulate(float* dy, int kg, float* col, int patch, int plane, Vector<float>* acc, float* tail)
    {
        int lanes = Vector<float>.Count, whole = plane - plane % lanes;
        for (int k0 = 0; k0 < kg; k0 += 3)
        {
            int kb = Math.Min(3, kg - k0);
            float* d0 = dy + (long)k0 * plane, d1 = kb > 1 ? d0 + plane : d0, d2 = kb > 2 ? d0 + 2L * plane : d0;
            for (int t0 = 0; t0 < patch; t0 += 3)
            {
                int tb = Math.Min(3, patch - t0);
                float* c0 = col + (long)t0 * plane, c1 = tb > 1 ? c0 + plane : c0, c2 = tb > 2 ? c0 + 2L * plane : c0;
                Vector<float> a00 = default, a01 = default, a02 = default, a10 = default, a11 = default, a12 = default;
                Vector<float> a20 = default, a21 = default, a22 = default;
                for (int p = 0; p < whole; p += lanes)
                {
                    var y0 = Vector.Load(d0 + p);
                    var y1 = Vector.Load(d1 + p);
                    var y2 = Vector.Load(d2 + p);
                    var x0 = Vector.Load(c0 + p);
                    var x1 = Vector.Load(c1 + p);
                    var x2 = Vector.Load(c2 + p);
                    a00 = Vector.FusedMultiplyAdd(y0, x0, a00);
                    a01 = Vector.FusedMultiplyAdd(y0, x1, a01);
                    a02 = Vector.FusedMultiplyAdd(y0, x2, a02);
                    a10 = Vector.FusedMultiplyAdd(y1, x0, a10);
                    a11 = Vector.FusedMultiplyAdd(y1, x1, a11);
                    a12 = Vector.FusedMultiplyAdd(y1, x2, a12);
                    a20 = Vector.FusedMultiplyAdd(y2, x0, a20);
                    a21 = Vector.FusedMultiplyAdd(y2, x1, a21);
                    a22 = Vector.FusedMultiplyAdd(y2, x2, a22);
                }
                Vector<float>* r0 = acc + (long)k0 * patch + t0;
                r0[0] += a00;
                if (tb > 1) r0[1] += a01;
                if (tb > 2) r0[2] += a02;
                if (kb > 1)
                {
                    Vector<float>* r1 = r0 + patch;
                    r1[0] += a10;
                    if (tb > 1) r1[1] += a11;
                    if (tb > 2) r1[2] += a12;
                }
                if (kb > 2)
                {
                    Vector<float>* r2 = r0 + 2 * patch;
                    r2[0] += a20;
                    if (tb > 1) r2[1] += a21;
                    if (tb > 2) r2[2] += a22;
                }
            }
        }
        if (whole == plane) return;
        for (int k = 0; k < kg; k++)
        {
            float* d = dy + (long)k * plane;
            for (int t = 0; t < patch; t++)
            {
                float* c = col + (long)t * plane;
                float s = 0;
                for (int p = whole; p < plane; p++) s = MathF.FusedMultiplyAdd(d[p], c[p], s);
                tail[k * patch + t] += s;
            }
        }
    }
}
