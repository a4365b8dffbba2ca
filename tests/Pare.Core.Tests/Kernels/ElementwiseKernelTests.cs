using Pare.Core.Kernels.Elementwise;
using Pare.Core.Random;
using Pare.Core.Tests.Support;
using Act = Pare.Core.Kernels.Elementwise.ActivationOperators;
using Bin = Pare.Core.Kernels.Elementwise.BinaryOperators;
using Cmp = Pare.Core.Kernels.Elementwise.CompareOperators;
using Grad = Pare.Core.Kernels.Elementwise.ActivationGradOperators;
using Un = Pare.Core.Kernels.Elementwise.UnaryOperators;

namespace Pare.Core.Tests.Kernels;

public class ElementwiseKernelTests
{
    public static TheoryData<int> Lengths => KernelCases.LengthData;

    [Theory, MemberData(nameof(Lengths))]
    public void Exact_unary_kernels_match_their_scalar_twins_bit_for_bit(int n)
    {
        foreach (bool specials in new[] { false, true })
        {
            var x = KernelCases.Values(n, (ulong)n + 1, withSpecials: specials);
            UnaryExact(new Un.Neg(), x, "neg");
            UnaryExact(new Un.Abs(), x, "abs");
            UnaryExact(new Un.Square(), x, "square");
            UnaryExact(new Un.Sqrt(), x, "sqrt");
            UnaryExact(new Un.Rsqrt(), x, "rsqrt");
            UnaryExact(new Un.Relu(), x, "relu");
            UnaryExact(new Un.LeakyRelu(0.1f), x, "leaky_relu");
            UnaryExact(new Un.Clamp(-0.5f, 0.75f), x, "clamp");
            UnaryExact(new Un.Clamp(1f, -1f), x, "clamp(min > max)");
            UnaryExact(new HardActivationOperators.HardSigmoid(0.2f, 0.5f), x, "hard_sigmoid");
            UnaryExact(new HardActivationOperators.HardSwish(), x, "hard_swish");
            UnaryExact(new Act.Erf(), KernelCases.Values(n, (ulong)n + 5, lo: -0.87f, hi: 0.87f), "erf (polynomial piece)");
        }
    }

    [Theory, MemberData(nameof(Lengths))]
    public void Transcendental_unary_kernels_match_their_scalar_twins(int n)
    {
        foreach (bool specials in new[] { false, true })
        {
            var x = KernelCases.Values(n, (ulong)n + 2, lo: -10f, hi: 10f, withSpecials: specials);
            UnaryClose(new Un.Exp(), x, Tolerance.TranscendentalRelative, "exp");
            UnaryClose(new Un.Log(), KernelCases.Values(n, (ulong)n + 3, lo: 0f, hi: 100f, withSpecials: specials), Tolerance.TranscendentalRelative, "log");
            UnaryClose(new Act.Tanh(), x, Tolerance.TranscendentalRelative, "tanh");
            UnaryClose(new Act.Erf(), x, Tolerance.TranscendentalRelative, "erf");
            UnaryClose(new Act.Sigmoid(), x, Tolerance.ActivationRelative, "sigmoid");
            UnaryClose(new Act.Silu(), x, Tolerance.ActivationRelative, "silu");
            UnaryClose(new Act.GeluErf(), x, Tolerance.ActivationRelative, "gelu");
            UnaryClose(new Act.GeluTanh(), x, Tolerance.ActivationRelative, "gelu_tanh");
        }
    }

    [Theory, MemberData(nameof(Lengths))]
    public void Binary_kernels_match_their_scalar_twins_bit_for_bit(int n)
    {
        foreach (bool specials in new[] { false, true })
        {
            var a = KernelCases.Values(n, (ulong)n + 10, withSpecials: specials, offset: 1);
            var b = KernelCases.Values(n, (ulong)n + 11, withSpecials: specials, offset: 5);
            BinaryExact(new Bin.Add(), a, b, "add");
            BinaryExact(new Bin.Sub(), a, b, "sub");
            BinaryExact(new Bin.Mul(), a, b, "mul");
            BinaryExact(new Bin.Div(), a, b, "div");
            BinaryExact(new Bin.Maximum(), a, b, "maximum");
            BinaryExact(new Bin.Minimum(), a, b, "minimum");
            BinaryExact(new Bin.Pow(), a, b, "pow");
            CompareExact(new Cmp.Equal(), a, b, "eq");
            CompareExact(new Cmp.NotEqual(), a, b, "ne");
            CompareExact(new Cmp.Less(), a, b, "lt");
            CompareExact(new Cmp.LessEqual(), a, b, "le");
            CompareExact(new Cmp.Greater(), a, b, "gt");
            CompareExact(new Cmp.GreaterEqual(), a, b, "ge");
            // equal values exercise the == lanes of the comparisons and the ties of max/min
            CompareExact(new Cmp.Equal(), a, a, "eq(a, a)");
            BinaryExact(new Bin.Maximum(), a, a, "maximum(a, a)");
        }
    }

    [Theory, MemberData(nameof(Lengths))]
    public void Activation_backward_kernels_match_their_scalar_twins(int n)
    {
        foreach (bool specials in new[] { false, true })
        {
            var x = KernelCases.Values(n, (ulong)n + 30, lo: -6f, hi: 6f, withSpecials: specials);
            var y = KernelCases.Values(n, (ulong)n + 31, lo: -1f, hi: 1f, withSpecials: specials);
            var d = KernelCases.Values(n, (ulong)n + 32, offset: 2);
            BinaryExact(new Grad.Relu(), x, d, "relu backward");
            BinaryExact(new Grad.LeakyRelu(0.1f), x, d, "leaky_relu backward");
            BinaryExact(new Grad.Sigmoid(), y, d, "sigmoid backward");
            BinaryExact(new Grad.Tanh(), y, d, "tanh backward");
            BinaryClose(new Grad.Silu(), x, d, "silu backward");
            BinaryClose(new Grad.GeluErf(), x, d, "gelu backward");
            BinaryClose(new Grad.GeluTanh(), x, d, "gelu_tanh backward");
        }
    }

    [Fact]
    public void NaN_and_infinity_follow_pytorch()
    {
        float nan = float.NaN, inf = float.PositiveInfinity;
        float[] x = [nan, -1f, inf, -inf, -0f, nan, 2f, nan, -1f, inf, -inf, -0f, nan, 2f, nan, 3f, -2f];
        Assert.All(Run(new Un.Relu(), x).Where((_, i) => float.IsNaN(x[i])), v => Assert.True(float.IsNaN(v)));
        Assert.True(float.IsNaN(Run(new Un.Sqrt(), x)[1]));
        Assert.Equal(0f, Run(new Un.Relu(), x)[3]);
        Assert.True(float.IsNaN(Run(new Un.Clamp(0, 1), x)[0]));
        Assert.Equal(1f, Run(new Un.Clamp(0, 1), x)[2]);
        var m = new float[x.Length];
        float[] ones = Enumerable.Repeat(1f, x.Length).ToArray();
        ElementwiseDriver.Binary(new Bin.Maximum(), x, ones, m);
        Assert.True(float.IsNaN(m[0]) && float.IsNaN(m[15 - 1]) && m[2] == inf && m[1] == 1f);
        ElementwiseDriver.Binary(new Bin.Minimum(), ones, x, m);
        Assert.True(float.IsNaN(m[0]) && float.IsNaN(m[12]) && m[3] == -inf && m[6] == 1f);
        var e = Run(new Act.Erf(), x);
        Assert.True(float.IsNaN(e[0]) && e[2] == 1f && e[3] == -1f && float.IsNegative(e[4]) && e[4] == 0f);
        var s = Run(new Act.Sigmoid(), x);
        Assert.True(s[2] == 1f && s[3] == 0f && float.IsNaN(s[0]));
        var t = Run(new Act.Tanh(), x);
        Assert.True(t[2] == 1f && t[3] == -1f && float.IsNaN(t[0]) && float.IsNegative(t[4]));
    }

    [Fact]
    public void Erf_is_accurate_against_a_double_reference()
    {
        // dense grid over [-5, 5] plus the specials; both the scalar and the vector path are measured
        var grid = Enumerable.Range(0, 200_001).Select(i => -5f + i * 5e-5f).Concat(KernelCases.Specials.Where(float.IsFinite)).ToArray();
        var vector = new float[grid.Length];
        ElementwiseDriver.Unary(new Act.Erf(), grid, vector);
        double worst = 0;
        float worstAt = 0;
        for (int i = 0; i < grid.Length; i++)
        {
            double exact = ErfDouble(grid[i]);
            double ulp = Math.Max(float.Epsilon, MathF.BitIncrement(MathF.Abs((float)exact)) - MathF.Abs((float)exact));
            foreach (float got in new[] { vector[i], ErfApproximation.Scalar(grid[i]) })
            {
                double err = Math.Abs(got - exact) / ulp;
                if (err > worst) (worst, worstAt) = (err, grid[i]);
            }
        }
        Assert.True(worst <= Tolerance.ErfMaxUlps, $"erf max error {worst:F2} ulp at x = {worstAt}");
    }

    [Fact]
    public void Double_reference_erf_is_right()
    {
        // values from Abramowitz & Stegun table 7.1
        Assert.Equal(0.5204998778, ErfDouble(0.5), 9);
        Assert.Equal(0.8427007929, ErfDouble(1.0), 9);
        Assert.Equal(0.9953222650, ErfDouble(2.0), 9);
        Assert.Equal(-0.9999779095, ErfDouble(-3.0), 9);
    }

    [Theory]
    [InlineData(new[] { 5, 7 }, new[] { 7, 1 }, new[] { 1, 5 })]           // transposed left operand
    [InlineData(new[] { 4, 6 }, new[] { 6, 1 }, new[] { 0, 1 })]           // row broadcast (N, C) + (C)
    [InlineData(new[] { 4, 6 }, new[] { 6, 1 }, new[] { 1, 0 })]           // column broadcast (N, C) + (N, 1)
    [InlineData(new[] { 3, 1, 9 }, new[] { 9, 9, 1 }, new[] { 0, 0, 0 })]  // scalar operand
    [InlineData(new[] { 2, 3, 4 }, new[] { 24, 4, 2 }, new[] { 0, 1, 3 })] // strided inner axis on both sides
    [InlineData(new[] { 300, 257 }, new[] { 257, 1 }, new[] { 0, 1 })]     // large: parallel row groups
    [InlineData(new[] { 70_001 }, new[] { 1 }, new[] { 1 })]               // large: parallel slices of one row
    [InlineData(new[] { 3, 0, 2 }, new[] { 0, 2, 1 }, new[] { 2, 2, 1 })]  // empty
    public void Broadcast_driver_matches_an_index_by_index_reference(int[] dims, int[] aStrides, int[] bStrides)
    {
        int total = dims.Aggregate(1, (p, d) => p * d);
        int aLen = 1 + dims.Select((d, i) => Math.Max(0, d - 1) * aStrides[i]).Sum() + 2;
        int bLen = 1 + dims.Select((d, i) => Math.Max(0, d - 1) * bStrides[i]).Sum() + 3;
        var a = KernelCases.Values(aLen, 21).ToArray();
        var b = KernelCases.Values(bLen, 22).ToArray();
        var z = new float[total];
        BroadcastDriver.Binary(new Bin.Sub(), a, 2, aStrides, b, 3, bStrides, dims, z);
        var index = new int[dims.Length];
        for (int i = 0; i < total; i++)
        {
            int ao = 2, bo = 3, rest = i;
            for (int k = dims.Length - 1; k >= 0; k--)
            {
                index[k] = rest % dims[k];
                rest /= dims[k];
                ao += index[k] * aStrides[k];
                bo += index[k] * bStrides[k];
            }
            Assert.Equal(a[ao] - b[bo], z[i]);
        }
    }

    [Fact]
    public void Parallel_unary_driver_matches_the_sequential_kernel()
    {
        var x = KernelCases.Values(BroadcastDriver.ParallelThreshold * 2 + 77, 9, lo: -6, hi: 6).ToArray();
        var parallel = new float[x.Length];
        BroadcastDriver.Unary(new Act.GeluErf(), x, parallel);
        var expected = new float[x.Length];
        for (int start = 0; start < x.Length; start += BroadcastDriver.ChunkSize)
        {
            int len = Math.Min(BroadcastDriver.ChunkSize, x.Length - start);
            ElementwiseDriver.Unary(new Act.GeluErf(), x.AsSpan(start, len), expected.AsSpan(start, len));
        }
        Assert.Equal(expected, parallel);
    }

    [Fact]
    public void Where_selects_and_mismatched_lengths_throw()
    {
        bool[] c = [true, false, true];
        float[] a = [1, 2, 3], b = [4, 5, 6], z = new float[3];
        ElementwiseDriver.Where(c, a, b, z);
        Assert.Equal([1f, 5f, 3f], z);
        Assert.Throws<ArgumentException>(() => ElementwiseDriver.Binary(new Bin.Add(), a, b, new float[2]));
    }

    private static float[] Run<TOp>(TOp op, float[] x) where TOp : struct, IUnaryOperator
    {
        var y = new float[x.Length];
        ElementwiseDriver.Unary(op, x, y);
        return y;
    }

    private static void UnaryExact<TOp>(TOp op, Memory<float> x, string what) where TOp : struct, IUnaryOperator
    {
        var (fast, slow) = (new float[x.Length], new float[x.Length]);
        ElementwiseDriver.Unary(op, x.Span, fast);
        ElementwiseDriver.UnaryScalar(op, x.Span, slow);
        AssertBits(slow, fast, what);
    }

    private static void UnaryClose<TOp>(TOp op, Memory<float> x, float rtol, string what) where TOp : struct, IUnaryOperator
    {
        var (fast, slow) = (new float[x.Length], new float[x.Length]);
        ElementwiseDriver.Unary(op, x.Span, fast);
        ElementwiseDriver.UnaryScalar(op, x.Span, slow);
        KernelCases.AssertClose(slow, fast, rtol, Tolerance.TranscendentalAbsolute, what);
    }

    private static void BinaryExact<TOp>(TOp op, Memory<float> a, Memory<float> b, string what) where TOp : struct, IBinaryOperator
    {
        int n = a.Length;
        var (fast, slow) = (new float[n], new float[n]);
        ElementwiseDriver.Binary(op, a.Span, b.Span, fast);
        ElementwiseDriver.BinaryScalar(op, a.Span, b.Span, slow);
        AssertBits(slow, fast, what);
        if (n == 0) return;
        float s = b.Span[n / 2];
        ElementwiseDriver.BinaryRightScalar(op, a.Span, s, fast);
        for (int i = 0; i < n; i++) slow[i] = op.Invoke(a.Span[i], s);
        AssertBits(slow, fast, what + " (right scalar)");
        ElementwiseDriver.BinaryLeftScalar(op, s, a.Span, fast);
        for (int i = 0; i < n; i++) slow[i] = op.Invoke(s, a.Span[i]);
        AssertBits(slow, fast, what + " (left scalar)");
    }

    private static void BinaryClose<TOp>(TOp op, Memory<float> a, Memory<float> b, string what) where TOp : struct, IBinaryOperator
    {
        var (fast, slow) = (new float[a.Length], new float[a.Length]);
        ElementwiseDriver.Binary(op, a.Span, b.Span, fast);
        ElementwiseDriver.BinaryScalar(op, a.Span, b.Span, slow);
        KernelCases.AssertClose(slow, fast, Tolerance.ActivationRelative, Tolerance.TranscendentalAbsolute, what);
    }

    private static void CompareExact<TOp>(TOp op, Memory<float> a, Memory<float> b, string what) where TOp : struct, ICompareOperator
    {
        var (fast, slow) = (new bool[a.Length], new bool[a.Length]);
        ElementwiseDriver.Compare(op, a.Span, b.Span, fast);
        ElementwiseDriver.CompareScalar(op, a.Span, b.Span, slow);
        Assert.True(slow.AsSpan().SequenceEqual(fast), $"{what}: vector and scalar comparisons differ (n = {a.Length})");
    }

    private static void AssertBits(float[] expected, float[] actual, string what)
    {
        for (int i = 0; i < expected.Length; i++)
            Assert.True(BitConverter.SingleToInt32Bits(expected[i]) == BitConverter.SingleToInt32Bits(actual[i]),
                $"{what}[{i}] of {expected.Length}: vector {actual[i]} vs scalar {expected[i]}");
    }

    // erf(x) = 2/√π · e^(−x²) · Σ_n (2x²)^n · x / (2n+1)!!: every term is positive, so the sum has no
    // cancellation and is accurate to double rounding; it converges for all x (terms peak near n ≈ x²).
    internal static double ErfDouble(double x)
    {
        if (double.IsNaN(x)) return x;
        if (Math.Abs(x) > 6) return Math.Sign(x);
        double term = x, sum = x, x2 = x * x;
        for (int n = 1; n < 500 && Math.Abs(term) > 1e-17 * Math.Abs(sum); n++)
        {
            term *= 2 * x2 / (2 * n + 1);
            sum += term;
        }
        return 2 / Math.Sqrt(Math.PI) * Math.Exp(-x2) * sum;
    }
}
