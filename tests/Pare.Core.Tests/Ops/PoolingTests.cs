using System.Text.Json;
using Pare.Core.Ops;
using Pare.Core.Random;
using Pare.Core.Tests.Support;

namespace Pare.Core.Tests.Ops;

public class PoolingTests
{
    // Distinct values at least 0.05 apart, so that a ±1e-2 step never changes which element a max window picks.
    private static Tensor Distinct(ulong seed, params int[] shape)
    {
        int count = new Shape(shape).ElementCount;
        var values = new float[count];
        for (int i = 0; i < count; i++) values[i] = (i - count / 2) * 0.05f;
        new Rng(seed).Shuffle<float>(values);
        return Tensor.Wrap(values, shape);
    }

    [Theory]
    [GradCheck("max_pool2d")]
    [InlineData(2, 2, 0, 1, false)]
    [InlineData(3, 2, 1, 1, false)]
    [InlineData(3, 2, 1, 1, true)]
    [InlineData(2, 1, 1, 2, false)]
    public void MaxPool2d_gradient_matches_finite_differences(int kernel, int stride, int padding, int dilation, bool ceilMode)
    {
        GradCheck.Check(xs => Pooling.MaxPool2d(xs[0], kernel, stride, padding, dilation, ceilMode), [Distinct(1, 2, 2, 5, 5)]);
    }

    [Fact]
    [GradCheck("max_pool2d")]
    public void MaxPool2d_gradient_flows_through_a_permuted_nhwc_input()
    {
        GradCheck.Check(xs => Pooling.MaxPool2d(xs[0].Permute(0, 3, 1, 2), 2), [Distinct(2, 1, 4, 6, 3)]);
    }

    [Theory]
    [GradCheck("avg_pool2d")]
    [InlineData(2, 2, 0, false, true)]
    [InlineData(3, 2, 1, false, false)]
    [InlineData(3, 2, 1, true, true)]
    [InlineData(2, 3, 1, true, false)]
    public void AvgPool2d_gradient_matches_finite_differences(int kernel, int stride, int padding, bool ceilMode, bool countIncludePad)
    {
        GradCheck.Check(xs => Pooling.AvgPool2d(xs[0].Permute(0, 1, 3, 2), kernel, stride, padding, ceilMode, countIncludePad),
            [Tensor.Uniform(new Shape(2, 2, 5, 6), -1f, 1f, new Rng(3))]);
    }

    [Fact]
    [GradCheck("global_avg_pool2d")]
    public void GlobalAvgPool2d_gradient_matches_finite_differences()
    {
        GradCheck.Check(xs => Pooling.GlobalAvgPool2d(xs[0].Permute(0, 3, 1, 2)), [Tensor.Uniform(new Shape(2, 3, 4, 3), -1f, 1f, new Rng(4))]);
    }

    [Fact]
    public void Pooling_matches_pytorch_fixtures()
    {
        int count = 0;
        foreach (var fc in Fixture.Load("conv.json").Where(c => c.Op is "max_pool2d" or "avg_pool2d" or "global_avg_pool2d"))
        {
            var x = fc.Inputs["x"].ToTensor();
            x.RequiresGrad = true;
            var y = fc.Op switch
            {
                "max_pool2d" => Pooling.MaxPool2d(x, Pair(fc.Args["kernel"]), Pair(fc.Args["stride"]), Pair(fc.Args["padding"]),
                    Pair(fc.Args["dilation"]), fc.Args["ceil_mode"].GetBoolean()),
                "avg_pool2d" => Pooling.AvgPool2d(x, Pair(fc.Args["kernel"]), Pair(fc.Args["stride"]), Pair(fc.Args["padding"]),
                    fc.Args["ceil_mode"].GetBoolean(), fc.Args["count_include_pad"].GetBoolean()),
                _ => Pooling.GlobalAvgPool2d(x),
            };
            Fixture.AssertClose(fc.Output, y, fc.Name);
            y.Backward(fc.GradWeight!.ToTensor());
            Fixture.AssertClose(fc.Grads!["x"], x.Grad!, fc.Name + " dx");
            count++;
        }
        Assert.Equal(10, count);
    }

    [Fact]
    public void MaxPool2d_returns_plane_flat_argmax_indices()
    {
        var x = Tensor.Wrap(new float[] { 1, 5, 2, 0, 3, 4, 9, 8, 7, 6, 1, 2, 0, 3, 4, 5 }, new Shape(1, 1, 4, 4));
        var (output, indices) = Pooling.MaxPool2dWithIndices(x, (2, 2), (2, 2), (0, 0), (1, 1));
        Assert.Equal(new[] { 5f, 9f, 7f, 5f }, output.ToArray<float>());
        Assert.Equal(new long[] { 1, 6, 8, 15 }, indices.ToArray<long>());
    }

    [Fact]
    public void MaxPool2d_propagates_nan()
    {
        var x = Tensor.Wrap(new float[] { 1, float.NaN, 2, 3 }, new Shape(1, 1, 2, 2));
        Assert.True(float.IsNaN(Pooling.MaxPool2d(x, 2).Item()));
    }

    [Fact]
    public void Pooling_accepts_a_rank_3_input_and_an_empty_batch()
    {
        Assert.Equal(new Shape(3, 2, 2), Pooling.AvgPool2d(Tensor.Zeros(new Shape(3, 4, 5)), 2).Shape);
        Assert.Equal(new Shape(0, 3, 2, 2), Pooling.MaxPool2d(Tensor.Zeros(new Shape(0, 3, 4, 5)), 2).Shape);
        Assert.Equal(new Shape(0, 3, 1, 1), Pooling.GlobalAvgPool2d(Tensor.Zeros(new Shape(0, 3, 4, 5))).Shape);
    }

    [Theory]
    [InlineData(new[] { 2, 3 }, 2, 2, 0, "(2, 3)")] // rank
    [InlineData(new[] { 1, 1, 4, 4 }, 2, 2, 2, "half the kernel")]
    [InlineData(new[] { 1, 1, 4, 4 }, 2, 0, 0, "stride (0, 0)")]
    [InlineData(new[] { 1, 1, 2, 2 }, 3, 1, 0, "too small")]
    public void Pooling_rejects_bad_input_naming_the_shapes(int[] shape, int kernel, int stride, int padding, string expected)
    {
        var max = Assert.Throws<ArgumentException>(() => Pooling.MaxPool2d(Tensor.Zeros(shape), kernel, stride, padding));
        Assert.Contains(expected, max.Message, StringComparison.Ordinal);
        var avg = Assert.Throws<ArgumentException>(() => Pooling.AvgPool2d(Tensor.Zeros(shape), kernel, stride, padding));
        Assert.Contains(expected, avg.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void GlobalAvgPool2d_rejects_a_rank_3_input()
    {
        var ex = Assert.Throws<ArgumentException>(() => Pooling.GlobalAvgPool2d(Tensor.Zeros(new Shape(3, 4, 5))));
        Assert.Contains("(3, 4, 5)", ex.Message, StringComparison.Ordinal);
    }

    private static (int, int) Pair(JsonElement e) => (e[0].GetInt32(), e[1].GetInt32());
}
