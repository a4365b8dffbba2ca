using System.Buffers;
using System.Runtime.Intrinsics;
using Pare.Core.Threading;

namespace Pare.Core.Kernels.Conv;

/// <summary>The forward pass of a 2-D transposed convolution (ONNX ConvTranspose) with its bias and output stage.
/// The geometry is the inner convolution's (see <c>TransposedConvolution</c>): its input (C_in = the transposed
/// convolution's output channels, H × W = its output size) is what this kernel writes, its output (C_out, OutH × OutW)
/// what it reads. When the kernel tiles the output exactly (kernel = stride, no pads, no dilation: the upsampling
/// heads of detection and segmentation models) every output value is one GEMM sum, so the kernel runs per band of
/// input rows one GEMM (output taps × positions) and scatters its rows straight to their places, finishing each
/// output row (bias, stage) while it is in cache; no zero fill, no col2im accumulation. Otherwise it runs
/// <see cref="Conv2dKernel.BackwardInput"/> and finishes the planes in parallel. Results do not depend on the
/// thread count (bands are a function of the shapes; GEMM sums do not depend on threads).</summary>
public static unsafe class TransposedConv2dKernel
{
    /// <summary>Floats one band's GEMM product aims for (256 KB: stays in L2 between the GEMM and the scatter).</summary>
    private const int BandFloats = 64 * 1024;

    // one-thread pool for the GEMMs of bands that already occupy every thread
    private static readonly WorkerPool SerialPool = new(1);

    /// <summary>Whether the transposed convolution tiles its output exactly: kernel = stride, no pads, dilation 1,
    /// so each output value receives exactly one tap of one input position.</summary>
    /// <param name="g">the inner convolution's geometry</param>
    /// <returns>true when the direct scatter path applies</returns>
    public static bool IsTiling(in ConvGeometry g) =>
        g.KernelH == g.StrideH && g.KernelW == g.StrideW && g.DilationH == 1 && g.DilationW == 1 &&
        g.PadTop == 0 && g.PadLeft == 0 && g.PadBottom == 0 && g.PadRight == 0 &&
        g.InHeight == g.OutHeight * g.StrideH && g.InWidth == g.OutWidth * g.StrideW;

    /// <summary>y = stage(conv_transpose(x, w) + bias).</summary>
    /// <param name="g">the inner convolution's geometry: its input is y, its output x</param>
    /// <param name="x">(N, C_out, OutH, OutW) of the inner convolution = the transposed convolution's input</param>
    /// <param name="w">(C_out, C_in/groups, kH, kW) of the inner convolution = ConvTranspose's (C, M/groups, kH, kW)</param>
    /// <param name="bias">(C_in) of the inner convolution (the transposed convolution's output channels), or empty</param>
    /// <param name="stage">what follows the bias (null: nothing)</param>
    /// <param name="y">(N, C_in, H, W) of the inner convolution, overwritten</param>
    public static void Forward(in ConvGeometry g, ReadOnlySpan<float> x, ReadOnlySpan<float> w, ReadOnlySpan<float> bias,
        ConvOutputStage? stage, Span<float> y)
    {
        Conv2dKernel.CheckSizes(g, y.Length, w.Length, x.Length);
        if (!bias.IsEmpty && bias.Length != g.InChannels) throw new ArgumentException($"bias has {bias.Length} values for {g.InChannels} output channels");
        if (y.IsEmpty) return;
        stage ??= ConvOutputStage.None;
        if (!IsTiling(g) || g.OutHeight == 0 || g.OutWidth == 0)
        {
            if (x.IsEmpty) y.Clear();
            else Conv2dKernel.BackwardInput(g, x, w, y);
            FinishPlanes(g, bias, stage, y);
            return;
        }
        fixed (float* px = x, pw = w, pb = bias, py = y)
            Tiling(g, px, pw, bias.IsEmpty ? null : pb, stage, py);
    }

    // the exact tiling case: per (image, band of input rows), P (C_outG·kH·kW × band) = Wgᵀ · x band, then scatter
    private static void Tiling(ConvGeometry g, float* x, float* w, float* bias, ConvOutputStage stage, float* y)
    {
        int h = g.OutHeight, wd = g.OutWidth, inPlane = h * wd, outW = g.InWidth, outPlane = g.InHeight * outW;
        int kh = g.KernelH, kw = g.KernelW, groups = g.Groups, kIn = g.GroupOutChannels, cOut = g.GroupInChannels;
        int m = cOut * kh * kw;
        int bandRows = Math.Clamp(BandFloats / Math.Max(1, m * wd), 1, h);
        int bands = (h + bandRows - 1) / bandRows;
        bandRows = (h + bands - 1) / bands;
        bands = (h + bandRows - 1) / bandRows;
        int tasks = g.N * bands;
        void Task(int t, WorkerPool? pool)
        {
            int n = t / bands, h0 = t % bands * bandRows, rows = Math.Min(bandRows, h - h0), cols = rows * wd;
            float[] prod = ArrayPool<float>.Shared.Rent(m * cols);
            try
            {
                fixed (float* pp = prod)
                {
                    for (int grp = 0; grp < groups; grp++)
                    {
                        float* xg = x + ((long)n * g.OutChannels + (long)grp * kIn) * inPlane + (long)h0 * wd;
                        var a = new ReadOnlySpan<float>(w + (long)grp * kIn * m, kIn * m);
                        var b = new ReadOnlySpan<float>(xg, (kIn - 1) * inPlane + cols);
                        Gemm.Gemm.Sgemm(true, false, m, cols, kIn, 1f, a, m, b, inPlane, 0f, prod.AsSpan(0, m * cols), cols, pool);
                        for (int c = 0; c < cOut; c++)
                        {
                            int channel = grp * cOut + c;
                            float* yc = y + ((long)n * g.InChannels + channel) * outPlane;
                            bool hasBias = bias != null;
                            float b0 = hasBias ? bias[channel] : 0f;
                            for (int r = 0; r < rows; r++)
                            {
                                for (int i = 0; i < kh; i++)
                                {
                                    float* dst = yc + (long)((h0 + r) * kh + i) * outW;
                                    float* src = pp + (long)(c * kh + i) * kw * cols + r * wd;
                                    Interleave(src, cols, kw, wd, dst);
                                    if (hasBias || !stage.IsNone) stage.ApplyRow(dst, outW, hasBias, b0, null);
                                }
                            }
                        }
                    }
                }
            }
            finally
            {
                ArrayPool<float>.Shared.Return(prod);
            }
        }
        if (tasks == 1 || Parallelism.ThreadCount == 1) for (int t = 0; t < tasks; t++) Task(t, tasks == 1 ? null : SerialPool);
        else Parallelism.For(tasks, t => Task(t, SerialPool));
    }

    /// <summary>dst[x·kw + j] = src[j·ld + x] for x &lt; width, j &lt; kw: kw rows of one tap row each interleaved
    /// into one output row.</summary>
    internal static void Interleave(float* src, int ld, int kw, int width, float* dst)
    {
        int x = 0;
        if (kw == 1)
        {
            new ReadOnlySpan<float>(src, width).CopyTo(new Span<float>(dst, width));
            return;
        }
        if (kw == 2 && Vector256.IsHardwareAccelerated)
        {
            float* s1 = src + ld;
            for (; x + 8 <= width; x += 8)
            {
                // a = a0..a7, b = b0..b7 → a0 b0 a1 b1 a2 b2 a3 b3 | a4 b4 a5 b5 a6 b6 a7 b7
                var a = Vector256.Load(src + x);
                var b = Vector256.Load(s1 + x);
                var lo = Vector256.Shuffle(a, Vector256.Create(0, 0, 1, 1, 2, 2, 3, 3));
                var hi = Vector256.Shuffle(a, Vector256.Create(4, 4, 5, 5, 6, 6, 7, 7));
                var blo = Vector256.Shuffle(b, Vector256.Create(0, 0, 1, 1, 2, 2, 3, 3));
                var bhi = Vector256.Shuffle(b, Vector256.Create(4, 4, 5, 5, 6, 6, 7, 7));
                var odd = Vector256.Create(0, -1, 0, -1, 0, -1, 0, -1).AsSingle();
                Vector256.ConditionalSelect(odd, blo, lo).Store(dst + 2 * x);
                Vector256.ConditionalSelect(odd, bhi, hi).Store(dst + 2 * x + 8);
            }
        }
        for (; x < width; x++)
            for (int j = 0; j < kw; j++) dst[x * kw + j] = src[j * ld + x];
    }

    // the general case's finish: bias and stage per output plane, planes spread over the threads
    private static void FinishPlanes(in ConvGeometry g, ReadOnlySpan<float> bias, ConvOutputStage stage, Span<float> y)
    {
        bool hasBias = !bias.IsEmpty;
        if (!hasBias && stage.IsNone) return;
        int plane = g.InHeight * g.InWidth, channels = g.InChannels, planes = g.N * channels;
        fixed (float* py0 = y, pb0 = bias)
        {
            float* py = py0, pb = pb0;
            void Plane(int p) => stage.ApplyRow(py + (long)p * plane, plane, hasBias, hasBias ? pb[p % channels] : 0f, null);
            if (planes == 1 || (long)planes * plane < 1 << 15) for (int p = 0; p < planes; p++) Plane(p);
            else Parallelism.For(planes, Plane);
        }
    }
}
