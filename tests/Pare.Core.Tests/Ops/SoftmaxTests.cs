using Pare.Core.Ops;
using Pare.Core.Tests.Support;

namespace Pare.Core.Tests.Ops;

public class SoftmaxTests
{
    public static TheoryData<string> Cases()
    {
        var data = new TheoryData<string>();
        foreach (var c in Fixture.Load("reduce.json").Where(c => c.Op.Contains("softmax", StringComparison.Ordinal))) data.Add(c.Name);
        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Matches_pytorch(string name)
    {
        var c = Fixture.Load("reduce.json").Single(f => f.Name == name);
        var x = c.Inputs["x"].ToTensor();
        x.RequiresGrad = true;
        int axis = c.Args["axis"].GetInt32();
        var y = c.Op == "softmax" ? SoftmaxOps.Softmax(x, axis) : SoftmaxOps.LogSoftmax(x, axis);
        Assert.All(y.ToArray<float>(), v => Assert.True(float.IsFinite(v), $"{name}: non-finite output {v}"));
        Fixture.AssertClose(c.Output, y, name);
        y.Backward(c.GradWeight!.ToTensor());
        Fixture.AssertClose(c.Grads!["x"], x.Grad!, name + " dx");
    }

    [Fact]
    [GradCheck("softmax")]
    public void Softmax_gradient()
    {
        GradCheck.Check(xs => SoftmaxOps.Softmax(xs[0]), [ReduceTests.Rand(1, 3, 5)]);
        GradCheck.Check(xs => SoftmaxOps.Softmax(xs[0], 1), [ReduceTests.Rand(2, 2, 4, 3)]);
        GradCheck.Check(xs => SoftmaxOps.Softmax(xs[0].Transpose(0, 1), -1), [ReduceTests.Rand(3, 4, 3)]);
    }

    [Fact]
    [GradCheck("log_softmax")]
    public void Log_softmax_gradient()
    {
        GradCheck.Check(xs => SoftmaxOps.LogSoftmax(xs[0]), [ReduceTests.Rand(4, 3, 5)]);
        GradCheck.Check(xs => SoftmaxOps.LogSoftmax(xs[0], 0), [ReduceTests.Rand(5, 4, 2, 3)]);
        GradCheck.Check(xs => SoftmaxOps.LogSoftmax(xs[0].Transpose(0, 1), 1), [ReduceTests.Rand(6, 4, 3)]);
    }

    [Fact]
    public void Rows_sum_to_one_and_empty_works()
    {
        var y = SoftmaxOps.Softmax(ReduceTests.Rand(7, 3, 4, 5), 1);
        var sums = Reduce.Sum(y, [1]).ToArray<float>();
        Assert.All(sums, s => Assert.InRange(s, 1f - 1e-5f, 1f + 1e-5f));
        Assert.Equal(new Shape(0, 4), SoftmaxOps.Softmax(Tensor.Zeros(new Shape(0, 4))).Shape);
        Assert.Equal(new Shape(4, 0), SoftmaxOps.LogSoftmax(Tensor.Zeros(new Shape(4, 0))).Shape);
    }

    [Fact]
    public void Bad_axis_names_the_axis_and_the_shape()
    {
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => SoftmaxOps.Softmax(Tensor.Zeros(new Shape(2, 3)), 2));
        Assert.Contains("axis 2", e.Message, StringComparison.Ordinal);
        Assert.Contains("(2, 3)", e.Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentOutOfRangeException>(() => SoftmaxOps.LogSoftmax(Tensor.Zeros(new Shape(2, 3)), -3));
    }
}
