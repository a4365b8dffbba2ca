using Pare.Core.Ops;
using Pare.Core.Random;
using Pare.Core.Tests.Support;

namespace Pare.Core.Tests.Ops;

public class ElementwiseTests
{
    private static Tensor R(ulong seed, int[] shape, float lo = -2f, float hi = 2f) => Tensor.Uniform(new Shape(shape), lo, hi, new Rng(seed));

    // |x| in [0.3, 2) with a random sign: keeps kinks (relu, abs at 0) and poles (div) out of the step's reach.
    private static Tensor Away(ulong seed, params int[] shape)
    {
        var rng = new Rng(seed);
        var s = new Shape(shape);
        var data = new float[s.ElementCount];
        for (int i = 0; i < data.Length; i++) data[i] = (rng.NextFloat() < 0.5f ? -1f : 1f) * (0.3f + 1.7f * rng.NextFloat());
        return Tensor.Wrap(data, s);
    }

    public static TheoryData<int[], int[]> BroadcastShapes => new()
    {
        { [2, 3], [2, 3] },
        { [2, 3], [3] },
        { [4, 1, 3], [2, 1] },
        { [3, 1], [1, 4] },
        { [2, 3], [] },
    };

    [Theory, MemberData(nameof(BroadcastShapes))]
    [GradCheck("add", "sub", "mul", "div")]
    public void Arithmetic_gradients_with_broadcasting(int[] sa, int[] sb)
    {
        GradCheck.Check(x => Elementwise.Add(x[0], x[1]), [R(1, sa), R(2, sb)]);
        GradCheck.Check(x => Elementwise.Sub(x[0], x[1]), [R(3, sa), R(4, sb)]);
        GradCheck.Check(x => Elementwise.Mul(x[0], x[1]), [R(5, sa), R(6, sb)]);
        GradCheck.Check(x => Elementwise.Div(x[0], x[1]), [R(7, sa), Away(8, sb)]);
    }

    [Theory, MemberData(nameof(BroadcastShapes))]
    [GradCheck("pow", "maximum", "minimum")]
    public void Pow_max_min_gradients_with_broadcasting(int[] sa, int[] sb)
    {
        GradCheck.Check(x => Elementwise.Pow(x[0], x[1]), [R(9, sa, 0.5f, 2f), R(10, sb, -1.5f, 2.5f)]);
        // a in [−2, −0.1) ∪ ... vs b on a disjoint grid: no ties within the finite-difference step
        GradCheck.Check(x => Elementwise.Maximum(x[0], x[1]), [Grid(sa, 0f), Grid(sb, 0.15f)]);
        GradCheck.Check(x => Elementwise.Minimum(x[0], x[1]), [Grid(sa, 0.15f), Grid(sb, 0f)]);
    }

    // Values k·0.3 + shift in a shuffled order, so two grids with shifts 0 and 0.15 never come within 0.15.
    private static Tensor Grid(int[] shape, float shift)
    {
        var s = new Shape(shape);
        var data = new float[s.ElementCount];
        for (int i = 0; i < data.Length; i++) data[i] = ((i * 7 + 3) % 13 - 6) * 0.3f + shift;
        return Tensor.Wrap(data, s);
    }

    [Fact]
    [GradCheck("add", "mul", "sub", "div", "pow")]
    public void Gradients_through_non_contiguous_operands()
    {
        // transposed
        GradCheck.Check(x => Elementwise.Mul(x[0].Transpose(0, 1), x[1]), [R(11, [4, 3]), R(12, [3, 4])]);
        // sliced with a step
        GradCheck.Check(x => Elementwise.Add(x[0].Slice(1, 0, 6, 2), x[1]), [R(13, [2, 6]), R(14, [2, 3])]);
        // expanded (stride 0) on the left, transposed on the right
        GradCheck.Check(x => Elementwise.Sub(x[0].Expand(3, 4), x[1].Transpose(0, 1)), [R(15, [1, 4]), R(16, [4, 3])]);
        GradCheck.Check(x => Elementwise.Div(x[0].Transpose(0, 1), x[1].Expand(4, 3)), [R(17, [3, 4]), Away(18, 3)]);
        GradCheck.Check(x => Elementwise.Pow(x[0].Transpose(0, 1), 3f), [R(19, [3, 4])]);
    }

    [Fact]
    [GradCheck("pow")]
    public void Pow_scalar_gradients()
    {
        GradCheck.Check(x => Elementwise.Pow(x[0], 2f), [R(20, [2, 5])]);
        GradCheck.Check(x => Elementwise.Pow(x[0], 0.5f), [R(21, [2, 5], 0.5f, 3f)]);
        GradCheck.Check(x => Elementwise.Pow(x[0], -1.5f), [R(22, [2, 5], 0.5f, 3f)]);
    }

    public static TheoryData<string> UnaryOps => new()
    {
        "neg", "exp", "log", "sqrt", "rsqrt", "abs", "relu", "leaky_relu", "gelu", "gelu_tanh", "silu", "sigmoid", "tanh", "erf", "clamp",
    };

    [Theory, MemberData(nameof(UnaryOps))]
    [GradCheck("neg", "exp", "log", "sqrt", "rsqrt", "abs", "relu", "leaky_relu", "gelu", "silu", "sigmoid", "tanh", "erf", "clamp")]
    public void Unary_gradients_contiguous_and_transposed(string op)
    {
        Func<Tensor, Tensor> f = UnaryOp(op);
        Tensor Input(ulong seed) => op switch
        {
            "log" or "sqrt" or "rsqrt" => R(seed, [3, 4], 0.3f, 3f),
            "abs" or "relu" or "leaky_relu" => Away(seed, 3, 4),
            // away from the bounds −0.5 and 0.7
            "clamp" => Tensor.Wrap(Enumerable.Range(0, 12).Select(i => -1.15f + i * 0.2f).ToArray(), new Shape(3, 4)),
            _ => R(seed, [3, 4], -3f, 3f),
        };
        GradCheck.Check(x => f(x[0]), [Input(30)]);
        GradCheck.Check(x => f(x[0].Transpose(0, 1)), [Input(31)]);
    }

    private static Func<Tensor, Tensor> UnaryOp(string op) => op switch
    {
        "neg" => Elementwise.Neg,
        "exp" => Elementwise.Exp,
        "log" => Elementwise.Log,
        "sqrt" => Elementwise.Sqrt,
        "rsqrt" => Elementwise.Rsqrt,
        "abs" => Elementwise.Abs,
        "relu" => Elementwise.Relu,
        "leaky_relu" => x => Elementwise.LeakyRelu(x, 0.1f),
        "gelu" => x => Elementwise.Gelu(x),
        "gelu_tanh" => x => Elementwise.Gelu(x, approximate: true),
        "silu" => Elementwise.Silu,
        "sigmoid" => Elementwise.Sigmoid,
        "tanh" => Elementwise.Tanh,
        "erf" => Elementwise.Erf,
        "clamp" => x => Elementwise.Clamp(x, -0.5f, 0.7f),
        _ => throw new ArgumentException(op),
    };

    [Fact]
    [GradCheck("where")]
    public void Where_gradients_with_broadcasting()
    {
        var cond = Elementwise.Greater(R(40, [2, 3]), Tensor.Scalar(0f));
        GradCheck.Check(x => Elementwise.Where(cond, x[0], x[1]), [R(41, [2, 3]), R(42, [3])]);
        GradCheck.Check(x => Elementwise.Where(cond.Slice(0, 0, 1), x[0].Transpose(0, 1), x[1]), [R(43, [3, 2]), R(44, [])]);
    }

    [Fact]
    public void Matches_pytorch_fixtures()
    {
        var cases = Fixture.Load("elementwise.json");
        Assert.True(cases.Count > 60);
        foreach (var c in cases)
        {
            var inputs = c.Inputs.ToDictionary(kv => kv.Key, kv => kv.Value.ToTensor());
            if (c.Grads is not null)
                foreach (var name in c.Grads.Keys) inputs[name].RequiresGrad = true;
            var output = Run(c, inputs);
            Fixture.AssertClose(c.Output, output, c.Name);
            if (c.Grads is null) continue;
            output.Backward(c.GradWeight!.ToTensor());
            foreach (var (name, grad) in c.Grads)
                Fixture.AssertClose(grad, inputs[name].Grad!, $"{c.Name} d{name}");
        }
    }

    private static Tensor Run(FixtureCase c, Dictionary<string, Tensor> x)
    {
        float Arg(string name) => (float)c.Args[name].GetDouble();
        return c.Op switch
        {
            "add" => x["a"] + x["b"],
            "sub" => x["a"] - x["b"],
            "mul" => x["a"] * x["b"],
            "div" => x["a"] / x["b"],
            "maximum" => Elementwise.Maximum(x["a"], x["b"]),
            "minimum" => Elementwise.Minimum(x["a"], x["b"]),
            "pow" => Elementwise.Pow(x["a"], x["b"]),
            "pow_scalar" => Elementwise.Pow(x["a"], Arg("p")),
            "leaky_relu" => Elementwise.LeakyRelu(x["a"], Arg("slope")),
            "gelu" => Elementwise.Gelu(x["a"], c.Args["approximate"].GetBoolean()),
            "clamp" => Elementwise.Clamp(x["a"], Arg("min"), Arg("max")),
            "eq" => Elementwise.Equal(x["a"], x["b"]),
            "ne" => Elementwise.NotEqual(x["a"], x["b"]),
            "lt" => Elementwise.Less(x["a"], x["b"]),
            "le" => Elementwise.LessEqual(x["a"], x["b"]),
            "gt" => Elementwise.Greater(x["a"], x["b"]),
            "ge" => Elementwise.GreaterEqual(x["a"], x["b"]),
            "where" => Elementwise.Where(x["cond"], x["a"], x["b"]),
            _ => UnaryOp(c.Op)(x["a"]),
        };
    }

    [Fact]
    public void Broadcasting_errors_name_both_shapes()
    {
        var a = Tensor.Zeros(new Shape(2, 3));
        var b = Tensor.Zeros(new Shape(4));
        var e = Assert.Throws<ArgumentException>(() => Elementwise.Add(a, b));
        Assert.Contains("(2, 3)", e.Message);
        Assert.Contains("(4,)", e.Message);
        e = Assert.Throws<ArgumentException>(() => Elementwise.Less(a, b));
        Assert.Contains("(2, 3)", e.Message);
        Assert.Contains("(4,)", e.Message);
        e = Assert.Throws<ArgumentException>(() => Elementwise.Where(Tensor.Zeros(new Shape(5), DType.Bool), a, a));
        Assert.Contains("(5,)", e.Message);
    }

    [Fact]
    public void Dtype_errors_name_the_dtypes()
    {
        var f = Tensor.Zeros(new Shape(3));
        var i = Tensor.Zeros(new Shape(3), DType.Int32);
        var e = Assert.Throws<ArgumentException>(() => Elementwise.Mul(f, i));
        Assert.Contains("int32", e.Message);
        Assert.Contains("float32", e.Message);
        e = Assert.Throws<ArgumentException>(() => Elementwise.Exp(i));
        Assert.Contains("int32", e.Message);
        e = Assert.Throws<ArgumentException>(() => Elementwise.Where(f, f, f));
        Assert.Contains("bool", e.Message);
        e = Assert.Throws<ArgumentException>(() => Elementwise.Greater(f, Tensor.Zeros(new Shape(3), DType.Int64)));
        Assert.Contains("int64", e.Message);
    }

    [Fact]
    public void Comparisons_give_bool_and_record_no_gradient()
    {
        var a = Tensor.FromSpan<float>([1f, 2f, float.NaN, 4f]);
        a.RequiresGrad = true;
        var m = Elementwise.GreaterEqual(a, Tensor.Scalar(2f));
        Assert.Equal(DType.Bool, m.DType);
        Assert.False(m.RequiresGrad);
        Assert.Equal([false, true, false, true], m.ToArray<bool>());
        Assert.Equal([true, true, true, true], Elementwise.NotEqual(a, Tensor.Scalar(3f)).ToArray<bool>());
    }

    [Fact]
    public void Empty_tensors_give_empty_results()
    {
        var a = Tensor.Zeros(new Shape(0, 3));
        Assert.Equal(new Shape(0, 3), Elementwise.Add(a, Tensor.Zeros(new Shape(3))).Shape);
        Assert.Equal(new Shape(0, 3), Elementwise.Gelu(a).Shape);
        Assert.Equal(new Shape(2, 0, 3), Elementwise.Mul(a, Tensor.Zeros(new Shape(2, 1, 1))).Shape);
        Assert.Equal(new Shape(0, 3), Elementwise.Less(a, a).Shape);
    }

    [Fact]
    public void Scalar_overloads_and_operators()
    {
        var a = Tensor.FromSpan<float>([1f, -2f, 4f]);
        Assert.Equal([3f, 0f, 6f], (a + 2f).ToArray<float>());
        Assert.Equal([3f, 0f, 6f], (2f + a).ToArray<float>());
        Assert.Equal([1f, 4f, -2f], (2f - a).ToArray<float>());
        Assert.Equal([-1f, -4f, 2f], (a - 2f).ToArray<float>());
        Assert.Equal([0.5f, -1f, 2f], (a * 0.5f).ToArray<float>());
        Assert.Equal([0.5f, -1f, 2f], (0.5f * a).ToArray<float>());
        Assert.Equal([0.5f, -1f, 2f], (a / 2f).ToArray<float>());
        Assert.Equal([4f, -2f, 1f], (4f / a).ToArray<float>());
        Assert.Equal([-1f, 2f, -4f], (-a).ToArray<float>());
        Assert.Equal([1f, 4f, 16f], Elementwise.Pow(a, 2f).ToArray<float>());
        Assert.Equal([2f, -4f, 8f], (a + a).ToArray<float>());
        Assert.Equal([1f, 4f, 16f], (a * a).ToArray<float>());
    }

    [Fact]
    public void Large_broadcast_runs_in_parallel_chunks_with_the_same_result()
    {
        var a = R(50, [600, 257]);
        var b = R(51, [257]);
        var y = Elementwise.Add(a.Transpose(0, 1).Transpose(0, 1), b).ToArray<float>();
        float[] av = a.ToArray<float>(), bv = b.ToArray<float>();
        for (int i = 0; i < y.Length; i++) Assert.Equal(av[i] + bv[i % 257], y[i]);
        var t = Elementwise.Mul(a.Transpose(0, 1), 3f).ToArray<float>();
        for (int r = 0; r < 257; r++)
            for (int c = 0; c < 600; c += 37) Assert.Equal(av[c * 257 + r] * 3f, t[r * 600 + c]);
    }

    [Theory, MemberData(nameof(UnaryOps))]
    public void Unary_ops_on_views_equal_the_op_on_the_copied_view(string op)
    {
        var f = UnaryOp(op);
        var x = R(60, [4, 6], 0.1f, 3f);
        foreach (var view in new[] { x.Transpose(0, 1), x.Slice(1, 1, 6, 2), x.Slice(0, 1, 2).Expand(3, 6) })
        {
            var expected = f(view.Contiguous()).ToArray<float>();
            Assert.Equal(expected, f(view).ToArray<float>());
        }
    }

    [Fact]
    public void Binary_ops_on_views_equal_the_op_on_copies()
    {
        var a = R(61, [5, 4]);
        var b = R(62, [4, 5]);
        var ops = new Func<Tensor, Tensor, Tensor>[] { Elementwise.Add, Elementwise.Sub, Elementwise.Mul, Elementwise.Div, Elementwise.Maximum, Elementwise.Minimum };
        foreach (var f in ops)
        {
            Assert.Equal(f(a.Contiguous(), b.Transpose(0, 1).Contiguous()).ToArray<float>(), f(a, b.Transpose(0, 1)).ToArray<float>());
            Assert.Equal(f(a.Slice(0, 0, 5, 2).Contiguous(), b.Slice(0, 3, 4).Slice(1, 0, 4).Contiguous()).ToArray<float>(), f(a.Slice(0, 0, 5, 2), b.Slice(0, 3, 4).Slice(1, 0, 4)).ToArray<float>());
        }
    }
}
