using Pare.Core.Ops;
using Pare.Core.Random;
using Pare.Core.Tests.Support;

namespace Pare.Core.Tests.Ops;

/// <summary>The ops run by PointwiseKernel: values against double-precision formulas, and gradients.</summary>
public class PointwiseTests
{
    public static TheoryData<string> Ops => new()
    {
        "sin", "cos", "tan", "asin", "acos", "atan", "sinh", "cosh", "asinh", "acosh", "atanh",
        "floor", "ceil", "round", "sign",
        "elu", "selu", "celu", "softplus", "mish", "softsign", "hard_sigmoid", "hard_swish", "thresholded_relu",
    };

    [Theory, MemberData(nameof(Ops))]
    public void Values_match_a_double_reference(string op)
    {
        var x = Input(op, 40);
        var y = Apply(op, x).ToArray<float>();
        var xs = x.ToArray<float>();
        for (int i = 0; i < xs.Length; i++)
        {
            double want = Reference(op, xs[i]);
            Assert.True(Math.Abs(y[i] - want) <= Tolerance.TranscendentalAbsolute + 4 * Tolerance.TranscendentalRelative * Math.Abs(want),
                $"{op}({xs[i]}) = {y[i]}, want {want}");
        }
    }

    [Theory, MemberData(nameof(Ops))]
    [GradCheck("sin", "cos", "tan", "asin", "acos", "atan", "sinh", "cosh", "asinh", "acosh", "atanh", "floor", "ceil", "round", "sign")]
    [GradCheck("elu", "selu", "celu", "softplus", "mish", "softsign", "hard_sigmoid", "hard_swish", "thresholded_relu")]
    public void Gradients_contiguous_and_transposed(string op)
    {
        GradCheck.Check(x => Apply(op, x[0]), [Input(op, 41)]);
        GradCheck.Check(x => Apply(op, x[0].Transpose(0, 1)), [Input(op, 42)]);
    }

    [Fact]
    public void Rounding_is_half_to_even_and_sign_keeps_nan()
    {
        var r = Elementwise.Round(Tensor.FromSpan<float>([0.5f, 1.5f, 2.5f, -0.5f, -1.5f])).ToArray<float>();
        Assert.Equal([0f, 2f, 2f, -0f, -2f], r);
        var s = Elementwise.Sign(Tensor.FromSpan<float>([-3f, 0f, 2f, float.NaN])).ToArray<float>();
        Assert.Equal(-1f, s[0]);
        Assert.Equal(0f, s[1]);
        Assert.Equal(1f, s[2]);
        Assert.True(float.IsNaN(s[3]));
    }

    [Fact]
    public void Softplus_does_not_overflow()
    {
        var y = Elementwise.Softplus(Tensor.FromSpan<float>([100f, -100f])).ToArray<float>();
        Assert.Equal(100f, y[0]);
        Assert.True(y[1] is >= 0 and < 1e-30f);
    }

    [Fact]
    public void Fmod_takes_the_dividend_sign_and_remainder_the_divisor_sign()
    {
        var a = Tensor.FromSpan<float>([5.5f, -5.5f, 5.5f, -5.5f, 6f]);
        var b = Tensor.FromSpan<float>([2f, 2f, -2f, -2f, 3f]);
        Assert.Equal([1.5f, -1.5f, 1.5f, -1.5f, 0f], Elementwise.Fmod(a, b).ToArray<float>());
        Assert.Equal([1.5f, 0.5f, -0.5f, -1.5f, 0f], Elementwise.Remainder(a, b).ToArray<float>());
    }

    [Theory]
    [InlineData(new[] { 2, 3 }, new[] { 3 })]
    [InlineData(new[] { 3, 1 }, new[] { 1, 4 })]
    [GradCheck("fmod", "remainder")]
    public void Remainder_gradients_with_broadcasting(int[] sa, int[] sb)
    {
        // a on a grid k·0.7 + 0.05 against b in {±0.9, ±1.3}: a/b stays at least 0.03 from an integer, so the
        // quotient does not jump within the step
        var sA = new Shape(sa);
        var a = Tensor.Wrap(Enumerable.Range(0, sA.ElementCount).Select(i => ((i * 5 + 2) % 11 - 5) * 0.7f + 0.05f).ToArray(), sA);
        var sB = new Shape(sb);
        var b = Tensor.Wrap(Enumerable.Range(0, sB.ElementCount).Select(i => (i % 2 == 0 ? 1f : -1f) * (i % 3 == 0 ? 0.9f : 1.3f)).ToArray(), sB);
        GradCheck.Check(x => Elementwise.Fmod(x[0], x[1]), [a, b], step: 1e-3);
        GradCheck.Check(x => Elementwise.Remainder(x[0], x[1]), [a.Clone(), b.Clone()], step: 1e-3);
    }

    // Inputs inside each op's domain and at least 0.05 away from its kinks and jumps (integers, ±½ for round,
    // 0 for the piecewise ones, ±3 for hard_swish, ±2.5 for hard_sigmoid, 1 for thresholded_relu), so a
    // finite-difference step of 1e-2 never crosses one.
    private static Tensor Input(string op, ulong seed)
    {
        var rng = new Rng(seed);
        var data = new float[12];
        for (int i = 0; i < data.Length; i++)
        {
            float u = rng.NextFloat();
            data[i] = op switch
            {
                "asin" or "acos" or "atanh" => -0.9f + 1.8f * u,
                "acosh" => 1.2f + 2f * u,
                "tan" => -1.2f + 2.4f * u,
                "floor" or "ceil" or "sign" => MathF.Floor(-3f + 6f * u) + 0.1f + 0.8f * rng.NextFloat(),
                "round" => MathF.Floor(-3f + 6f * u) + (rng.NextFloat() < 0.5f ? 0.1f + 0.3f * rng.NextFloat() : 0.6f + 0.3f * rng.NextFloat()),
                _ => (u < 0.5f ? -1f : 1f) * (0.1f + 3.8f * rng.NextFloat()),
            };
            if (op == "hard_swish" && MathF.Abs(MathF.Abs(data[i]) - 3f) < 0.05f) data[i] += 0.1f;
            if (op == "hard_sigmoid" && MathF.Abs(MathF.Abs(data[i]) - 2.5f) < 0.05f) data[i] += 0.1f;
            if (op == "thresholded_relu" && MathF.Abs(data[i] - 1f) < 0.05f) data[i] += 0.1f;
        }
        return Tensor.Wrap(data, new Shape(3, 4));
    }

    private static Tensor Apply(string op, Tensor x) => op switch
    {
        "sin" => Elementwise.Sin(x),
        "cos" => Elementwise.Cos(x),
        "tan" => Elementwise.Tan(x),
        "asin" => Elementwise.Asin(x),
        "acos" => Elementwise.Acos(x),
        "atan" => Elementwise.Atan(x),
        "sinh" => Elementwise.Sinh(x),
        "cosh" => Elementwise.Cosh(x),
        "asinh" => Elementwise.Asinh(x),
        "acosh" => Elementwise.Acosh(x),
        "atanh" => Elementwise.Atanh(x),
        "floor" => Elementwise.Floor(x),
        "ceil" => Elementwise.Ceil(x),
        "round" => Elementwise.Round(x),
        "sign" => Elementwise.Sign(x),
        "elu" => Elementwise.Elu(x, 0.7f),
        "selu" => Elementwise.Selu(x),
        "celu" => Elementwise.Celu(x, 1.5f),
        "softplus" => Elementwise.Softplus(x),
        "mish" => Elementwise.Mish(x),
        "softsign" => Elementwise.Softsign(x),
        "hard_sigmoid" => Elementwise.HardSigmoid(x),
        "hard_swish" => Elementwise.HardSwish(x),
        "thresholded_relu" => Elementwise.ThresholdedRelu(x),
        _ => throw new ArgumentException(op),
    };

    private static double Reference(string op, double v) => op switch
    {
        "sin" => Math.Sin(v),
        "cos" => Math.Cos(v),
        "tan" => Math.Tan(v),
        "asin" => Math.Asin(v),
        "acos" => Math.Acos(v),
        "atan" => Math.Atan(v),
        "sinh" => Math.Sinh(v),
        "cosh" => Math.Cosh(v),
        "asinh" => Math.Asinh(v),
        "acosh" => Math.Acosh(v),
        "atanh" => Math.Atanh(v),
        "floor" => Math.Floor(v),
        "ceil" => Math.Ceiling(v),
        "round" => Math.Round(v, MidpointRounding.ToEven),
        "sign" => Math.Sign(v),
        "elu" => v > 0 ? v : 0.7 * (Math.Exp(v) - 1),
        "selu" => v > 0 ? Elementwise.SeluGamma * v : Elementwise.SeluGamma * Elementwise.SeluAlpha * (Math.Exp(v) - 1),
        "celu" => Math.Max(0, v) + Math.Min(0, 1.5 * (Math.Exp(v / 1.5) - 1)),
        "softplus" => Math.Log(1 + Math.Exp(v)),
        "mish" => v * Math.Tanh(Math.Log(1 + Math.Exp(v))),
        "softsign" => v / (1 + Math.Abs(v)),
        "hard_sigmoid" => Math.Clamp(0.2 * v + 0.5, 0, 1),
        "hard_swish" => v * Math.Clamp(v / 6 + 0.5, 0, 1),
        "thresholded_relu" => v > 1 ? v : 0,
        _ => throw new ArgumentException(op),
    };
}
