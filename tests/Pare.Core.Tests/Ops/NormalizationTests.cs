using System.Text.Json;
using Pare.Core.Ops;
using Pare.Core.Tests.Support;

namespace Pare.Core.Tests.Ops;

public class NormalizationTests
{
    private static Tensor Rand(ulong seed, params int[] shape) => ReduceTests.Rand(seed, shape);

    public static TheoryData<string> Cases()
    {
        var data = new TheoryData<string>();
        foreach (var c in Fixture.Load("norm.json")) data.Add(c.Name);
        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Matches_pytorch(string name)
    {
        var c = Fixture.Load("norm.json").Single(f => f.Name == name);
        var x = c.Inputs["x"].ToTensor();
        var weight = c.Inputs.TryGetValue("weight", out var w) ? w.ToTensor() : null;
        var bias = c.Inputs.TryGetValue("bias", out var b) ? b.ToTensor() : null;
        bool grad = c.Grads is not null;
        foreach (var t in new[] { x, weight, bias }) if (t is not null) t.RequiresGrad = grad;
        float eps = (float)c.Args["eps"].GetDouble();
        Tensor? runningMean = null, runningVar = null;
        var y = c.Op switch
        {
            "layer_norm" => Normalization.LayerNorm(x, ReduceTests.Axes(c.Args, "normalized_shape")!, weight, bias, eps),
            "group_norm" => Normalization.GroupNorm(x, c.Args["groups"].GetInt32(), weight, bias, eps),
            "batch_norm" => Normalization.BatchNorm(x, runningMean = c.Inputs["running_mean"].ToTensor(), runningVar = c.Inputs["running_var"].ToTensor(),
                weight, bias, c.Args["training"].GetBoolean(), (float)c.Args["momentum"].GetDouble(), eps),
            _ => throw new InvalidOperationException(c.Op),
        };
        Fixture.AssertClose(c.Output, y, name);
        if (runningMean is not null)
        {
            Fixture.AssertClose(Stats(c.Args["running_mean_after"], runningMean), runningMean, name + " running mean");
            Fixture.AssertClose(Stats(c.Args["running_var_after"], runningVar!), runningVar!, name + " running var");
        }
        if (!grad) return;
        y.Backward(c.GradWeight!.ToTensor());
        Fixture.AssertClose(c.Grads!["x"], x.Grad!, name + " dx");
        if (weight is not null) Fixture.AssertClose(c.Grads["weight"], weight.Grad!, name + " dweight");
        if (bias is not null) Fixture.AssertClose(c.Grads["bias"], bias.Grad!, name + " dbias");
    }

    private static FixtureTensor Stats(JsonElement values, Tensor like) =>
        new(like.Shape.Dims.ToArray(), "float32", values.EnumerateArray().Select(v => v.GetDouble()).ToArray());

    [Fact]
    [GradCheck("layer_norm")]
    public void Layer_norm_gradient()
    {
        GradCheck.Check(xs => Normalization.LayerNorm(xs[0], [5], xs[1], xs[2]), [Rand(1, 3, 5), Rand(2, 5), Rand(3, 5)]);
        GradCheck.Check(xs => Normalization.LayerNorm(xs[0], [3, 2]), [Rand(4, 2, 3, 2)]);
        GradCheck.Check(xs => Normalization.LayerNorm(xs[0].Transpose(0, 1), [3], xs[1]), [Rand(5, 3, 4), Rand(6, 3)]);
    }

    [Fact]
    [GradCheck("group_norm")]
    public void Group_norm_gradient()
    {
        GradCheck.Check(xs => Normalization.GroupNorm(xs[0], 2, xs[1], xs[2]), [Rand(7, 2, 4, 3), Rand(8, 4), Rand(9, 4)]);
        GradCheck.Check(xs => Normalization.GroupNorm(xs[0], 3), [Rand(10, 2, 6)]);
        GradCheck.Check(xs => Normalization.GroupNorm(xs[0].Transpose(2, 3), 1, xs[1]), [Rand(11, 1, 2, 3, 2), Rand(12, 2)]);
    }

    [Fact]
    [GradCheck("batch_norm")]
    public void Batch_norm_gradient()
    {
        GradCheck.Check(xs => Normalization.BatchNorm(xs[0], weight: xs[1], bias: xs[2]), [Rand(13, 4, 3), Rand(14, 3), Rand(15, 3)]);
        GradCheck.Check(xs => Normalization.BatchNorm(xs[0], weight: xs[1]), [Rand(16, 3, 2, 4), Rand(17, 2)]);
        GradCheck.Check(xs => Normalization.BatchNorm(xs[0].Transpose(0, 2)), [Rand(18, 3, 2, 2)]);
        var rm = Tensor.FromSpan<float>([0.1f, -0.2f]);
        var rv = Tensor.FromSpan<float>([0.8f, 1.5f]);
        GradCheck.Check(xs => Normalization.BatchNorm(xs[0], rm, rv, xs[1], xs[2], training: false), [Rand(19, 3, 2, 2), Rand(20, 2), Rand(21, 2)]);
    }

    [Fact]
    public void Batch_norm_updates_running_stats_only_in_training()
    {
        var x = Tensor.FromSpan<float>([1f, 10f, 3f, 20f], new Shape(2, 2));
        var rm = Tensor.FromSpan<float>([0f, 0f]);
        var rv = Tensor.FromSpan<float>([1f, 1f]);
        Normalization.BatchNorm(x, rm, rv, training: true, momentum: 0.5f);
        // mean (2, 15); unbiased var (2, 50)
        Assert.Equal([1f, 7.5f], rm.ToArray<float>());
        Assert.Equal([1.5f, 25.5f], rv.ToArray<float>());
        Normalization.BatchNorm(x, rm, rv, training: false);
        Assert.Equal([1f, 7.5f], rm.ToArray<float>());
    }

    [Fact]
    public void Bad_inputs_name_the_shapes()
    {
        var x = Rand(1, 2, 6, 3);
        var e = Assert.Throws<ArgumentException>(() => Normalization.LayerNorm(x, [6]));
        Assert.Contains("(6,)", e.Message, StringComparison.Ordinal);
        Assert.Contains("(2, 6, 3)", e.Message, StringComparison.Ordinal);
        e = Assert.Throws<ArgumentException>(() => Normalization.LayerNorm(x, [3], Rand(2, 4)));
        Assert.Contains("(4,)", e.Message, StringComparison.Ordinal);
        e = Assert.Throws<ArgumentException>(() => Normalization.GroupNorm(x, 4));
        Assert.Contains("(2, 6, 3)", e.Message, StringComparison.Ordinal);
        e = Assert.Throws<ArgumentException>(() => Normalization.BatchNorm(x, weight: Rand(3, 3)));
        Assert.Contains("(3,)", e.Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => Normalization.BatchNorm(x, training: false));
        Assert.Throws<ArgumentException>(() => Normalization.BatchNorm(Rand(4, 1, 3)));
        Assert.Throws<ArgumentException>(() => Normalization.GroupNorm(Rand(5, 4), 1));
    }
}
