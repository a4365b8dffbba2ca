using Pare.Core.Kernels.Conv;
using Pare.Core.Kernels.Pool;
using Pare.Core.Random;
using Pare.Core.Tests.Support;

namespace Pare.Core.Tests.Kernels;

/// <summary>The fast convolution and pooling kernels (im2col + GEMM, pointwise, direct depthwise) against the naive
/// double-accumulating references, over random geometries with sizes of 1 and primes, strides 1-3, asymmetric
/// pads, dilation 1-2 and groups 1/2/depthwise.</summary>
public class ConvKernelTests
{
    public static TheoryData<int> Seeds
    {
        get
        {
            var data = new TheoryData<int>();
            for (int s = 0; s < 60; s++) data.Add(s);
            return data;
        }
    }

    [Theory]
    [MemberData(nameof(Seeds))]
    public void Conv_matches_reference_on_random_geometry(int seed) => CheckAll(RandomGeometry(seed), seed);

    [Theory]
    [InlineData(2, 3, 5, 7, 4, 1, 1, 1, 0, 0, 0, 0, 1, 1)] // pointwise: no im2col
    [InlineData(2, 4, 6, 6, 6, 1, 1, 1, 0, 0, 0, 0, 1, 2)] // grouped pointwise
    [InlineData(2, 6, 7, 5, 6, 3, 3, 1, 1, 1, 1, 1, 1, 6)] // depthwise, stride 1, pad 1
    [InlineData(1, 4, 9, 8, 8, 3, 3, 2, 1, 0, 1, 0, 1, 4)] // depthwise multiplier 2, stride 2, asymmetric pad
    [InlineData(2, 3, 11, 13, 3, 5, 3, 1, 2, 1, 0, 2, 2, 3)] // depthwise, dilation 2
    [InlineData(1, 3, 5, 37, 3, 3, 3, 1, 1, 0, 1, 2, 1, 3)] // depthwise rows wider than 2 vectors of 16 plus a tail
    [InlineData(2, 2, 6, 41, 4, 3, 3, 1, 2, 2, 0, 1, 2, 2)] // depthwise multiplier 2, dilation 2, wide rows
    [InlineData(1, 2, 5, 71, 4, 3, 3, 2, 1, 1, 0, 1, 1, 2)] // depthwise stride 2, wide rows: phase-split vector path
    [InlineData(1, 2, 7, 100, 2, 3, 3, 3, 0, 2, 1, 0, 2, 2)] // depthwise stride 3, dilation 2, wide rows
    [InlineData(1, 2, 4, 64, 2, 1, 5, 1, 0, 2, 0, 2, 1, 2)] // depthwise 1×5, width a multiple of every vector
    [InlineData(2, 3, 4, 150, 3, 3, 3, 1, 1, 1, 1, 1, 1, 3)] // depthwise wide rows: two 64-output blocks, a vector of 16, a tail of 6
    [InlineData(1, 2, 6, 140, 4, 5, 5, 1, 2, 2, 2, 2, 1, 2)] // depthwise 5×5 multiplier 2 (PaddleOCR rec's kind), 64-output blocks
    [InlineData(3, 1, 28, 28, 8, 3, 3, 1, 1, 1, 1, 1, 1, 1)] // first layer of the Fashion-MNIST CNN
    [InlineData(1, 6, 10, 17, 6, 5, 5, 1, 2, 2, 2, 2, 1, 6)] // depthwise 5×5 on 17 columns: one vector, then one ending at the row's end
    [InlineData(1, 4, 20, 34, 4, 5, 5, 1, 2, 2, 2, 2, 1, 4)] // depthwise 5×5 on 34 columns (PaddleOCR det): tail of 2 as an overlapping vector
    [InlineData(2, 4, 2, 96, 4, 5, 5, 1, 2, 2, 2, 2, 1, 4)] // depthwise 5×5 on 2×96 planes (PaddleOCR cls): a 64-output block, then 32 as two-four vectors
    [InlineData(3, 37, 2, 20, 37, 5, 5, 1, 2, 2, 2, 2, 1, 37)] // depthwise, 111 small planes padded 16 per task (a last task of 15)
    [InlineData(2, 21, 4, 30, 21, 3, 3, 2, 1, 1, 1, 1, 1, 21)] // depthwise stride 2 on planes padded in batches: the phase layout
    [InlineData(1, 2, 3, 113, 2, 3, 3, 1, 1, 1, 1, 1, 1, 2)] // depthwise rows of 113: a 64-output block, then 49 as four vectors (last overlapping)
    [InlineData(1, 2, 11, 71, 2, 3, 3, 2, 1, 1, 1, 1, 1, 2)] // depthwise stride 2, 36 columns, 6 rows: four rows at a time, then two
    [InlineData(1, 3, 9, 11, 3, 3, 3, 1, 1, 1, 1, 1, 1, 3)] // depthwise on 11 columns: a 256-bit vector and an overlapping one
    [InlineData(1, 3, 33, 71, 5, 3, 3, 2, 1, 1, 1, 1, 1, 1)] // stride 2 im2col (PaddleOCR det's first layer): the even-column gather, 36 columns
    [InlineData(13, 3, 10, 10, 4, 3, 3, 1, 1, 1, 1, 1, 1, 1)] // chunks of 10 images (1024 / 100 columns) and a last one of 3
    [InlineData(1, 3, 10, 10, 4, 3, 3, 1, 1, 1, 1, 1, 1, 1)] // batch 1: one chunk, the GEMM alone uses the threads
    [InlineData(23, 4, 7, 6, 6, 3, 3, 2, 1, 0, 1, 0, 1, 2)] // groups 2, many small images per chunk (12 columns each)
    [InlineData(5, 1, 12, 12, 16, 3, 3, 1, 1, 1, 1, 1, 1, 1)] // patch 9: short-patch weight gradient (dot products)
    [InlineData(5, 2, 9, 9, 32, 3, 3, 1, 1, 1, 1, 1, 1, 2)] // short-patch weight gradient, groups 2
    [InlineData(3, 1, 7, 5, 7, 3, 3, 2, 1, 0, 1, 2, 1, 1)] // short patch, stride 2, 12 positions: one vector and a tail
    [InlineData(2, 1, 6, 9, 4, 2, 2, 1, 0, 0, 0, 0, 1, 1)] // short patch of 4 taps, OutW ≠ W (no shifted im2col)
    [InlineData(17, 2, 8, 8, 40, 3, 3, 1, 1, 1, 1, 1, 1, 1)] // patch 18 < 40 channels: weight gradient formed transposed, 16 chunks
    [InlineData(4, 3, 9, 9, 64, 3, 3, 1, 1, 1, 1, 1, 2, 1)] // shifted im2col with dilation 2; 64 = 5·12 + 4 output channels (4-row tiles)
    [InlineData(3, 8, 6, 6, 32, 3, 3, 1, 2, 2, 2, 2, 2, 1)] // shifted im2col, pad 2 and dilation 2; 32 = 2·12 + 8 channels
    [InlineData(40, 2, 3, 3, 8, 2, 2, 1, 0, 0, 0, 0, 1, 1)] // weight-gradient chunks (16) cut across image chunks
    [InlineData(2, 3, 47, 45, 5, 3, 3, 1, 1, 1, 1, 1, 1, 1)] // large image: forward in two bands of 24 and 23 output rows
    [InlineData(1, 4, 60, 50, 6, 3, 3, 1, 0, 1, 2, 0, 1, 2)] // bands, groups 2, asymmetric pads, batch 1
    [InlineData(0, 3, 5, 5, 4, 3, 3, 1, 1, 1, 1, 1, 1, 1)] // empty batch
    [InlineData(1, 1, 28, 28, 8, 5, 5, 1, 2, 2, 2, 2, 1, 1)] // MNIST's first conv (forward: the direct kernel under AVX-512)
    [InlineData(1, 8, 14, 14, 16, 5, 5, 1, 2, 2, 2, 2, 1, 1)] // MNIST's second (likewise)
    [InlineData(1, 1, 28, 28, 6, 5, 5, 1, 2, 2, 2, 2, 1, 1)] // its geometry with 6 channels (not the direct kernel's multiple of 8): shifted im2col by whole 32-lane panels
    [InlineData(1, 8, 14, 14, 12, 5, 5, 1, 2, 2, 2, 2, 1, 1)] // 196 positions, 12 channels: a partial last panel
    [InlineData(3, 2, 8, 8, 5, 5, 5, 1, 2, 2, 2, 2, 1, 1)] // 64 positions: every image's panels aligned
    [InlineData(2, 3, 9, 7, 4, 3, 5, 1, 0, 3, 2, 1, 1, 1)] // asymmetric pads, first image aligned, the second not
    [InlineData(2, 2, 1, 1, 3, 1, 1, 1, 0, 0, 0, 0, 1, 1)] // 1×1 image
    [InlineData(2, 8, 2, 96, 8, 5, 5, 1, 2, 2, 2, 2, 1, 8)] // depthwise on 2-row planes: kernel rows reading only padding skipped
    [InlineData(1, 4, 3, 90, 4, 5, 5, 1, 2, 2, 2, 2, 1, 4)] // depthwise rows of 64 + 26: the two-vector rest, overlapping
    [InlineData(1, 4, 6, 20, 4, 5, 5, 1, 3, 2, 1, 2, 1, 4)] // depthwise four-row blocks, rows with different skipped kernel rows
    [InlineData(1, 3, 5, 33, 6, 3, 3, 1, 2, 1, 2, 1, 2, 3)] // depthwise, multiplier 2, dilation 2 reaching past the padding
    [InlineData(1, 48, 47, 45, 8, 3, 3, 1, 1, 1, 1, 1, 1, 1)] // bands with patch 432: the GEMM by k blocks, shifted im2col per block
    [InlineData(1, 17, 47, 45, 6, 5, 5, 1, 2, 2, 2, 2, 1, 1)] // bands with patch 425: k blocks start inside a channel's taps
    [InlineData(2, 4, 3, 3, 0, 3, 3, 1, 1, 1, 1, 1, 1, 2)] // no output channels
    public void Conv_matches_reference_on_named_geometry(int n, int c, int h, int w, int k, int kh, int kw, int stride,
        int padTop, int padLeft, int padBottom, int padRight, int dilation, int groups)
    {
        var g = new ConvGeometry(n, c, h, w, k, kh, kw, stride, stride, padTop, padLeft, padBottom, padRight, dilation, dilation, groups);
        Assert.True(g.IsValid, g.ToString());
        CheckAll(g, 99);
    }

    [Theory]
    [InlineData(2, 3, 6, 7, 4, 3, 3, 1, 1, 1)] // im2col + GEMM
    [InlineData(2, 3, 5, 19, 2, 1, 1, 1, 0, 1)] // pointwise
    [InlineData(2, 4, 6, 21, 4, 3, 3, 1, 1, 4)] // depthwise, vector rows
    [InlineData(1, 4, 7, 9, 8, 3, 3, 2, 1, 4)] // depthwise, stride 2
    public void Conv_propagates_nan_and_infinity_like_the_reference(int n, int c, int h, int w, int k, int kh, int kw, int stride, int pad, int groups)
    {
        // ±0, ±inf and NaN in x: any summation order gives the same NaN/±inf pattern, since the finite terms lie in
        // [-1, 1] and cannot overflow. (Infinite weights would differ: im2col multiplies padding zeros, the
        // reference skips them — as PyTorch's im2col does, so only x gets specials.)
        var g = new ConvGeometry(n, c, h, w, k, kh, kw, stride, stride, pad, pad, pad, pad, 1, 1, groups);
        int xCount = n * c * h * w, yCount = n * k * g.OutHeight * g.OutWidth;
        var x = KernelCases.Values(xCount, 21, -1f, 1f).ToArray();
        float[] specials = [0f, -0f, float.PositiveInfinity, float.NegativeInfinity, float.NaN];
        for (int i = 0; i < xCount; i += 11) x[i] = specials[i / 11 % specials.Length];
        var wt = KernelCases.Values(g.WeightCount, 22, -1f, 1f).ToArray();
        var dy = KernelCases.Values(yCount, 23, -1f, 1f).ToArray();
        float[] y = new float[yCount], yRef = new float[yCount], dw = new float[wt.Length], dwRef = new float[wt.Length];
        Conv2dKernel.Forward(g, x, wt, default, y);
        Conv2dReference.Forward(g, x, wt, default, yRef);
        Close(yRef, y, g.PatchSize, $"forward {g}");
        Assert.Contains(y, float.IsNaN);
        Conv2dKernel.BackwardWeight(g, x, dy, dw);
        Conv2dReference.BackwardWeight(g, x, dy, dwRef);
        Close(dwRef, dw, n * g.OutHeight * g.OutWidth, $"dw {g}");
    }

    [Theory]
    [InlineData(2, 3, 7, 7, 3, 3, 1, 1, 1)] // shifted copy (stride 1, OutW = W)
    [InlineData(3, 2, 5, 11, 3, 3, 1, 2, 1)] // dilation 2 with pad 2: still shifted
    [InlineData(2, 2, 9, 8, 3, 2, 2, 1, 1)] // stride 2: gathered rows
    [InlineData(1, 1, 6, 40, 1, 5, 1, 0, 1)] // rows wider than a panel, no padding, OutW ≠ W
    [InlineData(1, 1, 28, 28, 5, 5, 1, 2, 1)] // MNIST's first conv: whole 32-lane panels (AVX-512), a partial last one
    [InlineData(1, 8, 14, 14, 5, 5, 1, 2, 1)] // MNIST's second: loads past both ends of the input go to a zero-margin copy
    [InlineData(3, 2, 8, 8, 3, 3, 1, 1, 1)] // 64 positions: every image aligned to a panel
    public unsafe void Unfold_into_panels_matches_im2col(int n, int c, int h, int w, int kh, int kw, int stride, int pad, int dilation)
    {
        var g = new ConvGeometry(n, c, h, w, 4, kh, kw, stride, stride, pad, pad, pad, pad, dilation, dilation);
        Assert.True(g.IsValid && g.OutHeight > 0 && g.OutWidth > 0, g.ToString());
        int plane = g.OutHeight * g.OutWidth, cols = n * plane, patch = g.PatchSize, image = c * h * w, nr = Pare.Core.Kernels.Gemm.Gemm.PanelWidth;
        var x = KernelCases.Values(n * image, 17, -1f, 1f).ToArray();
        var col = new float[patch * cols];
        for (int i = 0; i < n; i++) Im2Col.Unfold(g, x.AsSpan(i * image, image), col.AsSpan(i * plane), cols);
        long size = Pare.Core.Kernels.Gemm.Gemm.PanelFloats(cols, patch);
        var panels = new float[size];
        Array.Fill(panels, float.NaN); // every lane must be written, the tail lanes with zeros
        fixed (float* px = x, pp = panels)
        {
            // when the last image's unfold says it wrote whole panels, the tail lanes must be zero without ZeroTail
            bool whole = false;
            for (int i = 0; i < n; i++) whole = Im2ColPanels.Unfold(g, px + i * image, pp, nr, i * plane, 0, g.OutHeight);
            if (!whole) Im2ColPanels.ZeroTail(pp, nr, patch, cols);
        }
        for (int r = 0; r < patch; r++)
            for (int j = 0; j < size / patch; j++)
            {
                float expected = j < cols ? col[r * cols + j] : 0f;
                Assert.Equal(expected, panels[j / nr * nr * patch + r * nr + j % nr]);
            }
    }

    [Fact]
    public void Output_size_floors_like_pytorch()
    {
        Assert.Equal(14, new ConvGeometry(1, 1, 28, 28, 1, 3, 3, 2, 2, 1, 1, 1, 1).OutHeight);
        Assert.Equal(1, new ConvGeometry(1, 1, 3, 3, 1, 3, 3).OutHeight);
        Assert.Equal(0, new ConvGeometry(1, 1, 2, 2, 1, 3, 3).OutHeight);
        Assert.Equal(-2, new ConvGeometry(1, 1, 2, 2, 1, 3, 3, DilationH: 2).OutHeight);
        Assert.False(new ConvGeometry(1, 1, 2, 2, 1, 3, 3, DilationH: 2).IsValid);
    }

    [Fact]
    public void Kernel_rejects_spans_of_the_wrong_size()
    {
        var g = new ConvGeometry(1, 2, 4, 4, 3, 3, 3);
        var ex = Assert.Throws<ArgumentException>(() => Conv2dKernel.Forward(g, new float[31], new float[54], default, new float[12]));
        Assert.Contains("32", ex.Message, StringComparison.Ordinal);
    }

    public static TheoryData<int> PoolSeeds
    {
        get
        {
            var data = new TheoryData<int>();
            for (int s = 0; s < 40; s++) data.Add(s);
            return data;
        }
    }

    [Theory]
    [MemberData(nameof(PoolSeeds))]
    public void Pooling_matches_reference_on_random_geometry(int seed)
    {
        var rng = new Rng((ulong)seed + 500);
        PoolGeometry g;
        do
        {
            int kh = 1 + rng.NextInt(4), kw = 1 + rng.NextInt(4);
            g = new PoolGeometry(1 + rng.NextInt(5), 1 + rng.NextInt(12), 1 + rng.NextInt(12), kh, kw,
                1 + rng.NextInt(3), 1 + rng.NextInt(3), rng.NextInt(kh / 2 + 1), rng.NextInt(kw / 2 + 1),
                1 + rng.NextInt(2), 1 + rng.NextInt(2), rng.NextInt(2) == 1);
        }
        while (!g.IsValid);
        int inCount = g.Planes * g.InHeight * g.InWidth, outCount = g.Planes * g.OutHeight * g.OutWidth;
        var x = KernelCases.Values(inCount, (ulong)seed, -2f, 2f).Span;
        // Ties and -inf: the first maximum must win in both kernels.
        for (int i = 0; i < inCount; i += 7) x[i] = 0.5f;
        if (inCount > 3) x[3] = float.NegativeInfinity;

        float[] y = new float[outCount], yRef = new float[outCount];
        int[] at = new int[outCount], atRef = new int[outCount];
        MaxPool2d.Forward(g, x, y, at);
        PoolReference.MaxForward(g, x, yRef, atRef);
        KernelCases.AssertClose(yRef, y, Tolerance.Exact, Tolerance.Exact, $"max {g}");
        Assert.Equal(atRef, at);

        var dy = KernelCases.Values(outCount, (ulong)seed + 1).ToArray();
        var dx = new float[inCount];
        MaxPool2d.Backward(g, dy, at, dx);
        var dxRef = new double[inCount];
        for (int p = 0; p < g.Planes; p++)
            for (int i = 0; i < g.OutHeight * g.OutWidth; i++)
                dxRef[p * g.InHeight * g.InWidth + atRef[p * g.OutHeight * g.OutWidth + i]] += dy[p * g.OutHeight * g.OutWidth + i];
        KernelCases.AssertClose(Array.ConvertAll(dxRef, v => (float)v), dx, PoolRelative, PoolAbsolute, $"max backward {g}");

        var avgGeometry = g with { DilationH = 1, DilationW = 1 };
        if (!avgGeometry.IsValid) return;
        int avgOut = avgGeometry.Planes * avgGeometry.OutHeight * avgGeometry.OutWidth;
        var dyAvg = KernelCases.Values(avgOut, (ulong)seed + 2).ToArray();
        foreach (bool includePad in new[] { true, false })
        {
            float[] a = new float[avgOut], aRef = new float[avgOut];
            AvgPool2d.Forward(avgGeometry, x, includePad, a);
            PoolReference.AvgForward(avgGeometry, x, includePad, aRef);
            KernelCases.AssertClose(aRef, a, PoolRelative, PoolAbsolute, $"avg {avgGeometry} includePad={includePad}");
            float[] d = new float[inCount], dRef = new float[inCount];
            AvgPool2d.Backward(avgGeometry, dyAvg, includePad, d);
            PoolReference.AvgBackward(avgGeometry, dyAvg, includePad, dRef);
            KernelCases.AssertClose(dRef, d, PoolRelative, PoolAbsolute, $"avg backward {avgGeometry} includePad={includePad}");
        }
    }

    [Theory]
    [InlineData(3, 280, 3, 0, false)] // PaddleOCR rec's neck pool: 3×2 windows at stride 3×2
    [InlineData(5, 67, 2, 1, false)] // odd width: the last column is never read; H padding
    [InlineData(4, 33, 2, 0, true)] // ceil mode: the last window hangs past the edge (scalar tail)
    [InlineData(2, 31, 1, 0, false)] // 15 outputs: too few for a 16-wide step
    public void Average_pool_2_wide_stride_2_matches_reference(int h, int w, int kh, int padH, bool ceil)
    {
        foreach (bool includePad in new[] { true, false })
        {
            var g = new PoolGeometry(3, h, w, kh, 2, kh, 2, padH, 0, 1, 1, ceil);
            int inCount = g.Planes * h * w, outCount = g.Planes * g.OutHeight * g.OutWidth;
            var x = KernelCases.Values(inCount, 43, -2f, 2f).ToArray();
            float[] a = new float[outCount], aRef = new float[outCount];
            AvgPool2d.Forward(g, x, includePad, a);
            PoolReference.AvgForward(g, x, includePad, aRef);
            KernelCases.AssertClose(aRef, a, PoolRelative, PoolAbsolute, $"avg {g} includePad={includePad}");
        }
    }

    [Theory]
    [InlineData(28, 28, false)] // the CNN's first pool: 14 windows a row (8 + an overlapping 8)
    [InlineData(14, 14, false)] // its second: 7 windows (4 + an overlapping 4)
    [InlineData(9, 17, false)] // odd sizes: the last row and column are never read
    [InlineData(6, 40, false)] // 20 windows: 8 + 8 + an overlapping 8
    [InlineData(8, 9, true)] // ceil mode: windows hang past the edge, so the scalar path runs
    [InlineData(4, 6, false)] // 3 windows a row: too few for a vector, scalar
    public void Max_pool_2x2_stride_2_matches_reference_with_ties_and_nan(int h, int w, bool ceil)
    {
        var g = new PoolGeometry(3, h, w, 2, 2, 2, 2, 0, 0, 1, 1, ceil);
        int inCount = g.Planes * h * w, outCount = g.Planes * g.OutHeight * g.OutWidth;
        var x = KernelCases.Values(inCount, 41, -2f, 2f).ToArray();
        // ties (the first tap must win), NaN (wins and propagates), -inf and ±0
        for (int i = 0; i < inCount; i += 5) x[i] = 0.25f;
        for (int i = 3; i < inCount; i += 37) x[i] = float.NaN;
        for (int i = 7; i < inCount; i += 23) x[i] = float.NegativeInfinity;
        for (int i = 11; i < inCount; i += 19) x[i] = -0f;
        float[] y = new float[outCount], yRef = new float[outCount];
        int[] at = new int[outCount], atRef = new int[outCount];
        MaxPool2d.Forward(g, x, y, at);
        PoolReference.MaxForward(g, x, yRef, atRef);
        Assert.Equal(atRef, at);
        for (int i = 0; i < outCount; i++) Assert.Equal(BitConverter.SingleToInt32Bits(yRef[i]), BitConverter.SingleToInt32Bits(y[i]));
    }

    [Theory]
    [InlineData(3, 2, 1, 3, 2, 0, true)] // ceil mode: the only window hangs past the right edge
    [InlineData(2, 2, 3, 3, 2, 0, true)]
    [InlineData(1, 1, 3, 3, 2, 1, true)]
    [InlineData(5, 5, 2, 2, 2, 0, true)]
    [InlineData(7, 6, 3, 3, 3, 1, false)]
    public void Max_pool_windows_past_the_edge_read_only_their_plane(int h, int w, int kh, int kw, int stride, int pad, bool ceil)
    {
        // Two planes: the second holds larger values, so a window that read past the first one would pick them up.
        var g = new PoolGeometry(2, h, w, kh, kw, stride, stride, Math.Min(pad, kh / 2), pad, 1, 1, ceil);
        int size = h * w;
        Assert.True(g.IsValid, g.ToString());
        var x = new float[2 * size];
        for (int i = 0; i < x.Length; i++) x[i] = i < size ? -100 - i : 100 + i;
        var y = new float[2 * g.OutHeight * g.OutWidth];
        int[] at = new int[y.Length], atRef = new int[y.Length];
        var yRef = new float[y.Length];
        MaxPool2d.Forward(g, x, y, at);
        PoolReference.MaxForward(g, x, yRef, atRef);
        Assert.Equal(yRef, y);
        Assert.Equal(atRef, at);
    }

    [Theory]
    [InlineData(1, 1)]
    [InlineData(3, 49)]
    [InlineData(5, 257)]
    public void Global_average_pool_is_the_plane_mean(int planes, int size)
    {
        var x = KernelCases.Values(planes * size, 7).ToArray();
        var y = new float[planes];
        AvgPool2d.GlobalForward(x, size, y);
        for (int p = 0; p < planes; p++)
        {
            double mean = x.Skip(p * size).Take(size).Sum(v => (double)v) / size;
            Assert.True(Math.Abs(y[p] - mean) <= PoolAbsolute + PoolRelative * Math.Abs(mean), $"plane {p}: {y[p]} vs {mean}");
        }
        var dx = new float[planes * size];
        AvgPool2d.GlobalBackward(y, size, dx);
        for (int i = 0; i < dx.Length; i++) Assert.Equal(y[i / size] / size, dx[i], 6);
    }

    // Window sums of up to 16 float terms vs double: a few ulps of the sum.
    private const float PoolRelative = 1e-5f;
    private const float PoolAbsolute = 1e-6f;

    private static ConvGeometry RandomGeometry(int seed)
    {
        var rng = new Rng((ulong)seed + 1000);
        int[] sizes = [1, 2, 3, 5, 7, 11];
        while (true)
        {
            int groupsKind = rng.NextInt(3);
            int cg = 1 + rng.NextInt(3), kg = 1 + rng.NextInt(3);
            int groups = groupsKind == 0 ? 1 : groupsKind == 1 ? 2 : 1 + rng.NextInt(5);
            if (groupsKind == 2) cg = 1; // depthwise: one input channel per group, multiplier kg
            var g = new ConvGeometry(1 + rng.NextInt(3), cg * groups, sizes[rng.NextInt(sizes.Length)], sizes[rng.NextInt(sizes.Length)],
                kg * groups, 1 + rng.NextInt(3), 1 + rng.NextInt(3), 1 + rng.NextInt(3), 1 + rng.NextInt(3),
                rng.NextInt(3), rng.NextInt(3), rng.NextInt(3), rng.NextInt(3), 1 + rng.NextInt(2), 1 + rng.NextInt(2), groups);
            if (g.IsValid && g.OutHeight >= 1 && g.OutWidth >= 1) return g;
        }
    }

    [Fact]
    public unsafe void Stride2_gather_matches_the_scalar_loop_for_every_length()
    {
        for (int n = 0; n <= 70; n++)
        {
            // exactly 2n − 1 source values: the gather must not read past the last column it needs
            var src = KernelCases.Values(Math.Max(0, 2 * n - 1), (ulong)n + 7, -3f, 3f).ToArray();
            var dst = new float[n];
            fixed (float* ps = src, pd = dst) Im2ColPanels.GatherStride2(ps, n, pd);
            for (int i = 0; i < n; i++) Assert.Equal(src[2 * i], dst[i]);
        }
    }

    private static void CheckAll(ConvGeometry g, int seed)
    {
        int xCount = g.N * g.InChannels * g.InHeight * g.InWidth, yCount = g.N * g.OutChannels * g.OutHeight * g.OutWidth;
        var x = KernelCases.Values(xCount, (ulong)seed * 3 + 1, -1f, 1f).Span;
        var w = KernelCases.Values(g.WeightCount, (ulong)seed * 3 + 2, -1f, 1f).Span;
        var bias = KernelCases.Values(g.OutChannels, (ulong)seed * 3 + 3, -1f, 1f).Span;
        var dy = KernelCases.Values(yCount, (ulong)seed * 3 + 4, -1f, 1f).Span;

        float[] y = new float[yCount], yRef = new float[yCount];
        Conv2dKernel.Forward(g, x, w, bias, y);
        Conv2dReference.Forward(g, x, w, bias, yRef);
        Close(yRef, y, g.PatchSize, $"forward {g}");

        float[] dx = new float[xCount], dxRef = new float[xCount];
        Conv2dKernel.BackwardInput(g, dy, w, dx);
        Conv2dReference.BackwardInput(g, dy, w, dxRef);
        Close(dxRef, dx, g.GroupOutChannels * g.KernelH * g.KernelW, $"dx {g}");

        float[] dw = new float[g.WeightCount], dwRef = new float[g.WeightCount];
        Conv2dKernel.BackwardWeight(g, x, dy, dw);
        Conv2dReference.BackwardWeight(g, x, dy, dwRef);
        Close(dwRef, dw, g.N * g.OutHeight * g.OutWidth, $"dw {g}");

        var db = new float[g.OutChannels];
        Conv2dKernel.BackwardBias(g, dy, db);
        int plane = g.OutHeight * g.OutWidth;
        for (int k = 0; k < g.OutChannels; k++)
        {
            double sum = 0;
            for (int n = 0; n < g.N; n++) for (int i = 0; i < plane; i++) sum += dy[(n * g.OutChannels + k) * plane + i];
            Assert.True(Math.Abs(db[k] - sum) <= Tolerance.DotProductPerSqrtK * Math.Sqrt(g.N * plane + 1) * 4, $"db[{k}] {db[k]} vs {sum}");
        }
    }

    // Terms lie in [-1, 1], so a K-term float dot product is off by about sqrt(K)·eps·(a few) from the double one.
    private static void Close(float[] expected, float[] actual, int terms, string what)
    {
        float atol = (float)(Tolerance.DotProductPerSqrtK * Math.Sqrt(terms + 1) * 4);
        KernelCases.AssertClose(expected, actual, 1e-5f, atol, what);
    }
}
