using Pare.Core.Kernels.Reduce;
using Pare.Core.Random;
using Pare.Core.Tests.Support;

namespace Pare.Core.Tests.Kernels;

public class ReduceKernelTests
{
    // (O, R, I) layouts that hit the inner-axis path (I = 1), the outer-axis path (I > 1) and both tails.
    public static TheoryData<int, int, int> Layouts => new()
    {
        { 1, 1, 1 }, { 3, 17, 1 }, { 2, 1, 33 }, { 4, 7, 19 }, { 1, 5, 257 }, { 5, 0, 3 }, { 0, 4, 2 }, { 2, 65, 1 }, { 300, 130, 1 }, { 3, 40, 300 },
    };

    private static float AbsSum(ReadOnlySpan<float> x)
    {
        float s = 0;
        foreach (float v in x) s += Math.Abs(v);
        return s;
    }

    [Theory]
    [MemberData(nameof(KernelCases.LengthData), MemberType = typeof(KernelCases))]
    public void Row_reductions_match_scalar_twin(int n)
    {
        foreach (var kind in new[] { ReduceKind.Sum, ReduceKind.Max, ReduceKind.Min })
        {
            if (n == 0 && kind != ReduceKind.Sum) continue;
            // max/min see the specials (NaN, ±inf, ±0, extremes); a sum of ±MaxValue would overflow order-dependently
            var x = KernelCases.Values(n, (ulong)n + 1, withSpecials: kind != ReduceKind.Sum).Span;
            float[] fast = new float[1], slow = new float[1];
            Reduction.Reduce(kind, x, 1, n, 1, fast);
            Reduction.ReduceReference(kind, x, 1, n, 1, slow);
            float tol = kind == ReduceKind.Sum ? Tolerance.ReorderedSumRelative * AbsSum(x) : Tolerance.Exact;
            KernelCases.AssertClose(slow, fast, 0f, tol, $"{kind} n={n}");
        }
    }

    [Theory]
    [MemberData(nameof(KernelCases.LengthData), MemberType = typeof(KernelCases))]
    public void Column_reductions_match_scalar_twin(int n)
    {
        // (1, 3, n): accumulate three rows of the kept inner block; specials mixed in
        var x = KernelCases.Values(3 * n, (ulong)n + 7, withSpecials: true).Span;
        foreach (var kind in new[] { ReduceKind.Sum, ReduceKind.Max, ReduceKind.Min })
        {
            float[] fast = new float[n], slow = new float[n];
            Reduction.Reduce(kind, x, 1, 3, n, fast);
            Reduction.ReduceReference(kind, x, 1, 3, n, slow);
            KernelCases.AssertClose(slow, fast, Tolerance.Exact, Tolerance.Exact, $"{kind} n={n}");
        }
    }

    [Theory]
    [MemberData(nameof(Layouts))]
    public void Layouts_match_scalar_twin(int outer, int r, int inner)
    {
        var x = KernelCases.Values(outer * r * inner, 11).Span;
        foreach (var kind in new[] { ReduceKind.Sum, ReduceKind.Max, ReduceKind.Min })
        {
            if (r == 0 && kind != ReduceKind.Sum && outer * inner > 0)
            {
                Assert.Throws<ArgumentException>(() => Reduction.Reduce(kind, Array.Empty<float>(), outer, r, inner, new float[outer * inner]));
                continue;
            }
            float[] fast = new float[outer * inner], slow = new float[outer * inner];
            Reduction.Reduce(kind, x, outer, r, inner, fast);
            Reduction.ReduceReference(kind, x, outer, r, inner, slow);
            float tol = kind == ReduceKind.Sum ? Tolerance.ReorderedSumRelative * 4f * Math.Max(r, 1) : Tolerance.Exact;
            KernelCases.AssertClose(slow, fast, 0f, tol, $"{kind} ({outer}, {r}, {inner})");
        }
    }

    [Fact]
    public void Nan_and_infinity_propagate()
    {
        float[] x = [1f, float.NaN, 3f, float.PositiveInfinity, 2f, float.NegativeInfinity, float.PositiveInfinity, 1f];
        var d = new float[2];
        Reduction.Reduce(ReduceKind.Max, x, 2, 4, 1, d);
        Assert.True(float.IsNaN(d[0]));
        Assert.Equal(float.PositiveInfinity, d[1]);
        Reduction.Reduce(ReduceKind.Min, x, 2, 4, 1, d);
        Assert.True(float.IsNaN(d[0]));
        Assert.Equal(float.NegativeInfinity, d[1]);
        Reduction.Reduce(ReduceKind.Sum, x, 2, 4, 1, d);
        Assert.True(float.IsNaN(d[0]));
        Assert.True(float.IsNaN(d[1]), "inf + -inf is NaN");
        Reduction.Reduce(ReduceKind.Max, x, 1, 4, 2, d);
        Assert.True(float.IsNaN(d[1]));
    }

    [Fact]
    public void Long_row_sum_is_blocked_and_deterministic()
    {
        int n = Reduction.RowBlock * 3 + 17;
        var x = KernelCases.Values(n, 5).ToArray();
        float[] a = new float[1], b = new float[1];
        Reduction.Reduce(ReduceKind.Sum, x, 1, n, 1, a);
        Reduction.Reduce(ReduceKind.Sum, x, 1, n, 1, b);
        Assert.Equal(a[0], b[0]);
        double exact = x.Sum(v => (double)v);
        Assert.True(Math.Abs(a[0] - exact) <= Tolerance.ReorderedSumRelative * AbsSum(x), $"{a[0]} vs {exact}");
    }

    [Theory]
    [InlineData(1, 100, 1)]
    [InlineData(3, 257, 1)]
    [InlineData(2, 64, 5)]
    [InlineData(1, 0, 3)]
    [InlineData(4, 1, 2)]
    public void Variance_with_a_large_mean_matches_double(int outer, int r, int inner)
    {
        var rng = new Rng(3);
        var x = new float[outer * r * inner];
        for (int i = 0; i < x.Length; i++) x[i] = 1e4f + 1e-2f * rng.NextNormal();
        foreach (int correction in new[] { 0, 1 })
        {
            float[] mean = new float[outer * inner], var = new float[outer * inner], rm = new float[mean.Length], rv = new float[mean.Length];
            Moments.Variance(x, outer, r, inner, correction, mean, var);
            Moments.VarianceReference(x, outer, r, inner, correction, rm, rv);
            var exact = new float[mean.Length];
            for (int o = 0; o < outer; o++)
            {
                for (int i = 0; i < inner; i++)
                {
                    double m = 0, s = 0;
                    for (int k = 0; k < r; k++) m += x[(o * r + k) * inner + i];
                    m /= r;
                    for (int k = 0; k < r; k++) s += Math.Pow(x[(o * r + k) * inner + i] - m, 2);
                    exact[o * inner + i] = (float)(s / Math.Max(0, r - correction));
                }
            }
            KernelCases.AssertClose(exact, var, Tolerance.NormKernelRelative, 0f, $"two-pass c={correction}");
            KernelCases.AssertClose(exact, rv, Tolerance.NormKernelRelative, 0f, $"Welford c={correction}");
            KernelCases.AssertClose(rm, mean, Tolerance.NormKernelRelative, 0f, "mean");
        }
    }

    [Fact]
    public void Argmax_takes_first_tie_and_first_nan()
    {
        float[] x = [1f, 5f, 5f, 2f, float.NaN, 9f, float.NaN, 0f];
        var d = new long[2];
        ArgReduction.ArgExtreme(x, 2, 4, 1, true, d);
        Assert.Equal([1L, 0L], d);
        ArgReduction.ArgExtreme(x, 2, 4, 1, false, d);
        Assert.Equal([0L, 0L], d);
        ArgReduction.ArgExtreme(x, 1, 4, 2, true, d);
        Assert.Equal([2L, 2L], d);
    }

    [Fact]
    public void Mismatched_spans_throw()
    {
        Assert.Throws<ArgumentException>(() => Reduction.Reduce(ReduceKind.Sum, new float[5], 2, 3, 1, new float[2]));
        Assert.Throws<ArgumentException>(() => Moments.Variance(new float[6], 2, 3, 1, 1, new float[2], new float[1]));
    }
}
