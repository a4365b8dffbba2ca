using System.Text.Json;
using Pare.Core.Ops;
using Pare.Core.Random;
using Pare.Core.Tests.Support;

namespace Pare.Core.Tests.Ops;

public class ReduceTests
{
    internal static Tensor Rand(ulong seed, params int[] shape) => Tensor.Uniform(new Shape(shape), -2f, 2f, new Rng(seed));

    internal static int[]? Axes(Dictionary<string, JsonElement> args, string key = "axes") =>
        args.TryGetValue(key, out var e) && e.ValueKind == JsonValueKind.Array ? e.EnumerateArray().Select(v => v.GetInt32()).ToArray() : null;

    public static TheoryData<string> ReduceCases()
    {
        var data = new TheoryData<string>();
        foreach (var c in Fixture.Load("reduce.json").Where(c => !c.Op.Contains("softmax", StringComparison.Ordinal))) data.Add(c.Name);
        return data;
    }

    [Theory]
    [MemberData(nameof(ReduceCases))]
    public void Matches_pytorch(string name)
    {
        var c = Fixture.Load("reduce.json").Single(f => f.Name == name);
        var x = c.Inputs["x"].ToTensor();
        bool keep = c.Args["keep_dims"].GetBoolean();
        bool grad = c.Grads is not null;
        x.RequiresGrad = grad;
        var axes = Axes(c.Args);
        int correction = c.Args.TryGetValue("correction", out var corr) ? corr.GetInt32() : 1;
        int? axis = c.Args.TryGetValue("axis", out var ax) && ax.ValueKind == JsonValueKind.Number ? ax.GetInt32() : null;
        var y = c.Op switch
        {
            "sum" => Reduce.Sum(x, axes, keep),
            "mean" => Reduce.Mean(x, axes, keep),
            "max" => Reduce.Max(x, axes, keep),
            "min" => Reduce.Min(x, axes, keep),
            "var" => Reduce.Var(x, axes, correction, keep),
            "std" => Reduce.Std(x, axes, correction, keep),
            "argmax" => Reduce.ArgMax(x, axis, keep),
            "argmin" => Reduce.ArgMin(x, axis, keep),
            _ => throw new InvalidOperationException(c.Op),
        };
        if (c.Op.StartsWith("arg", StringComparison.Ordinal)) Assert.Equal(DType.Int64, y.DType);
        Fixture.AssertClose(c.Output, y, name);
        if (!grad) return;
        y.Backward(c.GradWeight!.ToTensor());
        Fixture.AssertClose(c.Grads!["x"], x.Grad!, name + " dx");
    }

    [Fact]
    [GradCheck("sum")]
    public void Sum_gradient()
    {
        GradCheck.Check(xs => Reduce.Sum(xs[0]), [Rand(1, 3, 4)]);
        GradCheck.Check(xs => Reduce.Sum(xs[0], [0, 2], keepDims: true), [Rand(2, 2, 3, 4)]);
        GradCheck.Check(xs => Reduce.Sum(xs[0].Transpose(0, 1), [-1]), [Rand(3, 3, 5)]);
    }

    [Fact]
    [GradCheck("mean")]
    public void Mean_gradient()
    {
        GradCheck.Check(xs => Reduce.Mean(xs[0], [1]), [Rand(4, 3, 4)]);
        GradCheck.Check(xs => Reduce.Mean(xs[0], [0, 2], keepDims: true), [Rand(5, 2, 3, 4)]);
        GradCheck.Check(xs => Reduce.Mean(xs[0].Transpose(0, 2), [0, 1]), [Rand(6, 2, 3, 4)]);
    }

    [Fact]
    [GradCheck("max", "min")]
    public void Max_and_min_gradient()
    {
        // distinct values (a permutation scaled apart), so finite differences never cross a tie
        static Tensor Distinct(ulong seed, params int[] shape)
        {
            var s = new Shape(shape);
            var order = Enumerable.Range(0, s.ElementCount).ToArray();
            new Rng(seed).Shuffle(order);
            return Tensor.Wrap(order.Select(i => i * 0.1f - 1f).ToArray(), s);
        }
        GradCheck.Check(xs => Reduce.Max(xs[0], [1]), [Distinct(7, 3, 5)], step: 1e-3);
        GradCheck.Check(xs => Reduce.Min(xs[0], [0, 2], keepDims: true), [Distinct(8, 2, 3, 4)], step: 1e-3);
        GradCheck.Check(xs => Reduce.Max(xs[0].Transpose(0, 1)), [Distinct(9, 3, 4)], step: 1e-3);
    }

    [Fact]
    public void Max_splits_the_gradient_among_ties()
    {
        var x = Tensor.FromSpan<float>([1f, 3f, 3f, 3f, 0f, 2f], new Shape(2, 3));
        x.RequiresGrad = true;
        Reduce.Max(x, [1]).Backward(Tensor.FromSpan<float>([3f, 1f]));
        Assert.Equal([0f, 1.5f, 1.5f, 1f, 0f, 0f], x.Grad!.ToArray<float>());
    }

    [Fact]
    [GradCheck("var", "std")]
    public void Var_and_std_gradient()
    {
        GradCheck.Check(xs => Reduce.Var(xs[0], [1]), [Rand(10, 3, 5)]);
        GradCheck.Check(xs => Reduce.Var(xs[0], [0, 2], correction: 0, keepDims: true), [Rand(11, 2, 3, 4)]);
        GradCheck.Check(xs => Reduce.Std(xs[0].Transpose(0, 1), [0]), [Rand(12, 4, 3)]);
        GradCheck.Check(xs => Reduce.Std(xs[0], null, correction: 0), [Rand(13, 3, 4)]);
    }

    [Fact]
    public void Argmax_takes_the_first_of_ties_and_works_on_views()
    {
        var x = Tensor.FromSpan<float>([1f, 5f, 5f, 7f, 7f, 0f], new Shape(2, 3));
        Assert.Equal([1L, 0L], Reduce.ArgMax(x, 1).ToArray<long>());
        Assert.Equal([1L, 1L, 0L], Reduce.ArgMax(x.Transpose(0, 1), 1).ToArray<long>());
        Assert.Equal(3L, Reduce.ArgMax(x).ToArray<long>()[0]);
        Assert.Equal(new Shape(2, 1), Reduce.ArgMin(x, -1, keepDims: true).Shape);
        Assert.Equal([0L, 2L], Reduce.ArgMin(x, -1).ToArray<long>());
    }

    [Fact]
    public void Empty_reductions_follow_pytorch()
    {
        var x = Tensor.Zeros(new Shape(0, 3));
        Assert.Equal([0f, 0f, 0f], Reduce.Sum(x, [0]).ToArray<float>());
        Assert.All(Reduce.Mean(x, [0]).ToArray<float>(), v => Assert.True(float.IsNaN(v)));
        Assert.Equal(new Shape(0), Reduce.Max(x, [1]).Shape);
        Assert.Equal(0f, Reduce.Sum(x).Item());
        var e = Assert.Throws<ArgumentException>(() => Reduce.Max(x, [0]));
        Assert.Contains("(0, 3)", e.Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => Reduce.Min(x));
        Assert.Throws<ArgumentException>(() => Reduce.ArgMax(x, 0));
    }

    [Fact]
    public void Bad_axes_name_the_axis_and_the_shape()
    {
        var x = Rand(1, 2, 3);
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => Reduce.Sum(x, [2]));
        Assert.Contains("axis 2", e.Message, StringComparison.Ordinal);
        Assert.Contains("(2, 3)", e.Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentOutOfRangeException>(() => Reduce.Var(x, [-3]));
        Assert.Throws<ArgumentOutOfRangeException>(() => Reduce.ArgMax(x, 5));
        var r = Assert.Throws<ArgumentException>(() => Reduce.Mean(x, [1, -1]));
        Assert.Contains("repeated", r.Message, StringComparison.Ordinal);
        Assert.Contains("(2, 3)", r.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Max_propagates_nan()
    {
        var x = Tensor.FromSpan<float>([1f, float.NaN, 3f, 4f], new Shape(2, 2));
        var m = Reduce.Max(x, [1]).ToArray<float>();
        Assert.True(float.IsNaN(m[0]));
        Assert.Equal(4f, m[1]);
        Assert.True(float.IsNaN(Reduce.Sum(x).Item()));
    }
}
