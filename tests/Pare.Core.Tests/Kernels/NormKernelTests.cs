using Pare.Core.Kernels.Norm;
using Pare.Core.Tests.Support;

namespace Pare.Core.Tests.Kernels;

public class NormKernelTests
{
    public static TheoryData<int, int, int> Layouts => new()
    {
        { 1, 1, 1 }, { 3, 17, 1 }, { 2, 5, 33 }, { 1, 257, 1 }, { 4, 3, 19 }, { 0, 4, 2 }, { 2, 1, 8 }, { 40, 64, 1 }, { 2, 30, 300 }, { 8, 30, 300 },
    };

    [Theory]
    [MemberData(nameof(KernelCases.LengthData), MemberType = typeof(KernelCases))]
    public void Softmax_rows_match_scalar_twin(int n)
    {
        var x = KernelCases.Values(2 * n, (ulong)n + 3, -20f, 20f).Span;
        var dy = KernelCases.Values(2 * n, (ulong)n + 4).Span;
        foreach (bool log in new[] { false, true })
        {
            float[] fast = new float[2 * n], slow = new float[2 * n];
            SoftmaxKernel.Forward(x, 2, n, 1, log, fast);
            SoftmaxKernel.ForwardReference(x, 2, n, 1, log, slow);
            KernelCases.AssertClose(slow, fast, Tolerance.NormKernelRelative, Tolerance.NormKernelAbsolute, $"log={log} n={n}");
            float[] dFast = new float[2 * n], dSlow = new float[2 * n];
            SoftmaxKernel.Backward(slow, dy, 2, n, 1, log, dFast);
            SoftmaxKernel.BackwardReference(slow, dy, 2, n, 1, log, dSlow);
            KernelCases.AssertClose(dSlow, dFast, Tolerance.NormKernelRelative, Tolerance.NormKernelAbsolute, $"d log={log} n={n}");
        }
    }

    [Theory]
    [MemberData(nameof(Layouts))]
    public void Softmax_layouts_match_scalar_twin(int outer, int r, int inner)
    {
        int count = outer * r * inner;
        var x = KernelCases.Values(count, 9, -30f, 30f).Span;
        var dy = KernelCases.Values(count, 10).Span;
        foreach (bool log in new[] { false, true })
        {
            float[] fast = new float[count], slow = new float[count];
            SoftmaxKernel.Forward(x, outer, r, inner, log, fast);
            SoftmaxKernel.ForwardReference(x, outer, r, inner, log, slow);
            KernelCases.AssertClose(slow, fast, Tolerance.NormKernelRelative, Tolerance.NormKernelAbsolute, $"log={log}");
            float[] dFast = new float[count], dSlow = new float[count];
            SoftmaxKernel.Backward(slow, dy, outer, r, inner, log, dFast);
            SoftmaxKernel.BackwardReference(slow, dy, outer, r, inner, log, dSlow);
            KernelCases.AssertClose(dSlow, dFast, Tolerance.NormKernelRelative, Tolerance.NormKernelAbsolute, $"d log={log}");
        }
    }

    [Fact]
    public void Softmax_of_huge_logits_stays_finite_and_nan_propagates()
    {
        float[] x = [1e30f, 1e30f - 1e25f, -1e30f, 5f, float.NaN, 1f];
        var y = new float[6];
        SoftmaxKernel.Forward(x, 2, 3, 1, false, y);
        Assert.All(y[..3], v => Assert.True(float.IsFinite(v)));
        Assert.All(y[3..], v => Assert.True(float.IsNaN(v)));
        SoftmaxKernel.Forward(x, 2, 3, 1, true, y);
        Assert.True(float.IsFinite(y[2]) && y[2] < -1e29f);
    }

    [Theory]
    [MemberData(nameof(KernelCases.LengthData), MemberType = typeof(KernelCases))]
    public void Row_norm_matches_scalar_twin(int n)
    {
        // a large common offset: the statistics must not cancel
        var x = KernelCases.Values(3 * n, (ulong)n + 5, 1000f, 1001f).Span;
        var g = KernelCases.Values(3 * n, (ulong)n + 6).Span;
        float[] h1 = new float[3 * n], h2 = new float[3 * n];
        float[] m1 = new float[3], m2 = new float[3], v1 = new float[3], v2 = new float[3], r1 = new float[3], r2 = new float[3];
        RowNorm.Forward(x, 3, n, 1e-5f, h1, m1, v1, r1);
        RowNorm.ForwardReference(x, 3, n, 1e-5f, h2, m2, v2, r2);
        if (n == 0) return;
        KernelCases.AssertClose(h2, h1, Tolerance.NormKernelRelative, Tolerance.NormLargeMeanAbsolute / 10, $"xhat n={n}");
        KernelCases.AssertClose(m2, m1, Tolerance.NormKernelRelative, 0f, $"mean n={n}");
        KernelCases.AssertClose(v2, v1, Tolerance.NormLargeMeanRelative, Tolerance.NormKernelAbsolute, $"var n={n}");
        float[] d1 = new float[3 * n], d2 = new float[3 * n];
        RowNorm.Backward(h2, r2, g, 3, n, d1);
        RowNorm.BackwardReference(h2, r2, g, 3, n, d2);
        KernelCases.AssertClose(d2, d1, Tolerance.NormKernelRelative, Tolerance.NormKernelAbsolute * 10, $"dx n={n}");
    }

    [Theory]
    [InlineData(700, 100)]
    [InlineData(5, 9000)]
    public void Row_norm_parallel_rows_match_scalar_twin(int rows, int len)
    {
        var x = KernelCases.Values(rows * len, 21, -3f, 5f).Span;
        var g = KernelCases.Values(rows * len, 22).Span;
        float[] h1 = new float[x.Length], h2 = new float[x.Length], d1 = new float[x.Length], d2 = new float[x.Length];
        float[] m1 = new float[rows], m2 = new float[rows], v1 = new float[rows], v2 = new float[rows], r1 = new float[rows], r2 = new float[rows];
        RowNorm.Forward(x, rows, len, 1e-5f, h1, m1, v1, r1);
        RowNorm.ForwardReference(x, rows, len, 1e-5f, h2, m2, v2, r2);
        KernelCases.AssertClose(h2, h1, Tolerance.NormKernelRelative, Tolerance.NormKernelAbsolute, "xhat");
        KernelCases.AssertClose(v2, v1, Tolerance.NormKernelRelative, Tolerance.NormKernelAbsolute, "var");
        RowNorm.Backward(h2, r2, g, rows, len, d1);
        RowNorm.BackwardReference(h2, r2, g, rows, len, d2);
        KernelCases.AssertClose(d2, d1, Tolerance.NormKernelRelative, Tolerance.NormKernelAbsolute * 10, "dx");
    }

    [Theory]
    [MemberData(nameof(Layouts))]
    public void Channel_affine_matches_scalar_twin(int a, int c, int s)
    {
        int count = a * c * s;
        var x = KernelCases.Values(count, 12, withSpecials: true).Span;
        var w = KernelCases.Values(c, 13).Span;
        var b = KernelCases.Values(c, 14).Span;
        float[] fast = new float[count], slow = new float[count];
        ChannelAffine.Apply(x, w, b, a, c, s, fast);
        ChannelAffine.ApplyReference(x, w, b, a, c, s, slow);
        KernelCases.AssertClose(slow, fast, Tolerance.Exact, Tolerance.Exact, "affine");
        ChannelAffine.Apply(x, default, b, a, c, s, fast);
        ChannelAffine.ApplyReference(x, default, b, a, c, s, slow);
        KernelCases.AssertClose(slow, fast, Tolerance.Exact, Tolerance.Exact, "shift only");
        var sums = new float[c];
        var y = KernelCases.Values(count, 15).Span;
        ChannelAffine.ChannelSum(y, default, a, c, s, sums);
        for (int j = 0; j < c; j++)
        {
            double e = 0;
            for (int i = 0; i < a; i++) for (int k = 0; k < s; k++) e += y[(i * c + j) * s + k];
            Assert.Equal((float)e, sums[j]);
        }
    }

    [Theory]
    [MemberData(nameof(Layouts))]
    public void Channel_norm_matches_scalar_twin(int a, int c, int s)
    {
        int count = a * c * s;
        // offset 500: the per-channel statistics must not cancel
        var x = KernelCases.Values(count, 31, 500f, 502f).Span;
        var g = KernelCases.Values(count, 32).Span;
        float[] m1 = new float[c], m2 = new float[c], v1 = new float[c], v2 = new float[c];
        ChannelNorm.Moments(x, a, c, s, m1, v1);
        ChannelNorm.MomentsReference(x, a, c, s, m2, v2);
        KernelCases.AssertClose(m2, m1, Tolerance.NormKernelRelative, 0f, "mean");
        KernelCases.AssertClose(v2, v1, Tolerance.NormLargeMeanRelative, Tolerance.NormKernelAbsolute, "var");
        var xhat = KernelCases.Values(count, 33).Span;
        var rstd = KernelCases.Values(c, 34, 0.5f, 2f).Span;
        float[] d1 = new float[count], d2 = new float[count];
        ChannelNorm.Backward(xhat, rstd, g, a, c, s, d1);
        ChannelNorm.BackwardReference(xhat, rstd, g, a, c, s, d2);
        KernelCases.AssertClose(d2, d1, Tolerance.NormKernelRelative, Tolerance.NormKernelAbsolute * 10, "dx");
    }

    [Theory]
    [InlineData(1, 24, 5000)] // batch 1, channel planes split over threads (BatchNormalization at inference)
    [InlineData(3, 5, 7)]
    [InlineData(2, 40, 1)] // S = 1: whole rows (layer norm)
    [InlineData(2, 3, 70000)] // planes longer than a work item
    public void Channel_affine_equals_its_scalar_twin_bit_for_bit(int a, int c, int s)
    {
        var x = KernelCases.Values(a * c * s, 5, -3f, 3f).ToArray();
        var scale = KernelCases.Values(c, 6, -2f, 2f).ToArray();
        var shift = KernelCases.Values(c, 7, -1f, 1f).ToArray();
        foreach (var (w, b) in new[] { (scale, shift), (scale, Array.Empty<float>()), (Array.Empty<float>(), shift) })
        {
            float[] fast = new float[x.Length], slow = new float[x.Length];
            ChannelAffine.Apply(x, w, b, a, c, s, fast);
            ChannelAffine.ApplyReference(x, w, b, a, c, s, slow);
            Assert.Equal(slow.Select(BitConverter.SingleToInt32Bits), fast.Select(BitConverter.SingleToInt32Bits));
        }
    }
}
