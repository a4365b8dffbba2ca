using System.Text.Json;
using Pare.Core.Ops;
using Pare.Core.Random;
using Pare.Core.Tests.Support;

namespace Pare.Core.Tests.Ops;

public class ConvolutionTests
{
    private static Tensor Rand(ulong seed, params int[] shape) => Tensor.Uniform(shape, -1f, 1f, new Rng(seed));

    [Theory]
    [GradCheck("conv2d")]
    [InlineData(1, 2, 5, 4, 3, 3, 3, 1, 1, 1, 1, 1, 1, 1)]
    [InlineData(2, 2, 5, 6, 2, 2, 3, 2, 0, 1, 2, 0, 1, 1)] // stride 2, asymmetric pads
    [InlineData(1, 2, 6, 5, 3, 3, 2, 1, 1, 1, 1, 1, 2, 1)] // dilation 2
    [InlineData(1, 4, 4, 4, 2, 3, 3, 1, 1, 1, 1, 1, 1, 2)] // groups 2
    [InlineData(2, 3, 5, 5, 3, 3, 3, 2, 1, 1, 1, 1, 1, 3)] // depthwise, stride 2
    [InlineData(2, 3, 3, 4, 2, 1, 1, 1, 0, 0, 0, 0, 1, 1)] // pointwise
    public void Conv2d_gradients_match_finite_differences(int n, int c, int h, int w, int k, int kh, int kw, int stride,
        int padTop, int padLeft, int padBottom, int padRight, int dilation, int groups)
    {
        var options = new Conv2dOptions(stride, stride, padTop, padLeft, padBottom, padRight, dilation, dilation, groups);
        GradCheck.Check(xs => Convolution.Conv2d(xs[0], xs[1], xs[2], options),
            [Rand(1, n, c, h, w), Rand(2, k, c / groups, kh, kw), Rand(3, k)]);
    }

    [Fact]
    [GradCheck("conv2d")]
    public void Conv2d_gradients_flow_through_a_permuted_nhwc_input()
    {
        // x is stored NHWC (2, 4, 3, 2) and viewed as NCHW (2, 2, 4, 3): a non-contiguous operand.
        GradCheck.Check(xs => Convolution.Conv2d(xs[0].Permute(0, 3, 1, 2), xs[1], null, stride: 1, padding: 1),
            [Rand(4, 2, 4, 3, 2), Rand(5, 3, 2, 3, 3)]);
    }

    [Fact]
    public void Conv2d_skips_gradients_of_inputs_that_do_not_require_them()
    {
        var x = Rand(6, 1, 2, 4, 4);
        var w = Rand(7, 3, 2, 3, 3);
        w.RequiresGrad = true;
        var y = Convolution.Conv2d(x, w, padding: 1);
        y.Backward(Tensor.Ones(y.Shape));
        Assert.Null(x.Grad);
        Assert.NotNull(w.Grad);
        Assert.Equal(w.Shape, w.Grad!.Shape);
    }

    [Theory]
    [GradCheck("conv1d")]
    [InlineData(2, 2, 7, 3, 3, 1, 1, 1, 1)]
    [InlineData(1, 4, 9, 2, 2, 2, 2, 2, 2)]
    public void Conv1d_gradients_match_finite_differences(int n, int c, int l, int k, int ks, int stride, int padding, int dilation, int groups)
    {
        GradCheck.Check(xs => Convolution.Conv1d(xs[0], xs[1], xs[2], stride, padding, dilation, groups),
            [Rand(8, n, c, l), Rand(9, k, c / groups, ks), Rand(10, k)]);
    }

    [Fact]
    public void Conv_matches_pytorch_fixtures()
    {
        int count = 0;
        foreach (var fc in Fixture.Load("conv.json").Where(c => c.Op is "conv2d" or "conv1d"))
        {
            var x = fc.Inputs["x"].ToTensor();
            var w = fc.Inputs["weight"].ToTensor();
            var b = fc.Inputs.TryGetValue("bias", out var bt) ? bt.ToTensor() : null;
            foreach (var t in new[] { x, w, b }) if (t is not null) t.RequiresGrad = true;
            Tensor y;
            if (fc.Op == "conv2d")
            {
                int[] s = Ints(fc.Args["stride"]), p = Ints(fc.Args["pads"]), d = Ints(fc.Args["dilation"]);
                y = Convolution.Conv2d(x, w, b, new Conv2dOptions(s[0], s[1], p[0], p[1], p[2], p[3], d[0], d[1], fc.Args["groups"].GetInt32()));
            }
            else
            {
                y = Convolution.Conv1d(x, w, b, fc.Args["stride"].GetInt32(), fc.Args["padding"].GetInt32(),
                    fc.Args["dilation"].GetInt32(), fc.Args["groups"].GetInt32());
            }
            Fixture.AssertClose(fc.Output, y, fc.Name);
            y.Backward(fc.GradWeight!.ToTensor());
            Fixture.AssertClose(fc.Grads!["x"], x.Grad!, fc.Name + " dx");
            Fixture.AssertClose(fc.Grads["weight"], w.Grad!, fc.Name + " dweight");
            if (b is not null) Fixture.AssertClose(fc.Grads["bias"], b.Grad!, fc.Name + " dbias");
            count++;
        }
        Assert.Equal(11, count);
    }

    [Fact]
    public void Symmetric_overloads_equal_the_options_form()
    {
        var x = Rand(11, 2, 2, 7, 6);
        var w = Rand(12, 4, 1, 3, 2);
        var a = Convolution.Conv2d(x, w, null, (2, 1), (1, 0), (1, 2), groups: 2).ToArray<float>();
        var b = Convolution.Conv2d(x, w, null, new Conv2dOptions(2, 1, 1, 0, 1, 0, 1, 2, 2)).ToArray<float>();
        Assert.Equal(b, a);
        Assert.Equal(new Shape(2, 4, 4, 4), Convolution.Conv2d(x, w, null, (2, 1), (1, 0), (1, 2), groups: 2).Shape);
    }

    [Fact]
    public void Empty_batch_gives_an_empty_output()
    {
        var y = Convolution.Conv2d(Tensor.Zeros(new Shape(0, 3, 5, 5)), Rand(13, 4, 3, 3, 3), Rand(14, 4), padding: 1);
        Assert.Equal(new Shape(0, 4, 5, 5), y.Shape);
    }

    [Theory]
    [InlineData(new[] { 2, 3, 5 }, new[] { 4, 3, 3, 3 }, 1, 1, 0, "(2, 3, 5)")] // rank
    [InlineData(new[] { 2, 3, 5, 5 }, new[] { 4, 2, 3, 3 }, 1, 1, 0, "(4, 2, 3, 3)")] // weight channels vs C_in
    [InlineData(new[] { 2, 4, 5, 5 }, new[] { 3, 2, 3, 3 }, 2, 1, 0, "groups 2")] // C_out not divisible
    [InlineData(new[] { 2, 3, 5, 5 }, new[] { 4, 3, 3, 3 }, 1, 0, 0, "stride (0, 0)")]
    [InlineData(new[] { 2, 3, 2, 2 }, new[] { 4, 3, 3, 3 }, 1, 1, 0, "too small")]
    [InlineData(new[] { 2, 3, 5, 5 }, new[] { 4, 3, 3, 3 }, 1, 1, -1, "pads")]
    public void Conv2d_rejects_bad_input_naming_the_shapes(int[] xShape, int[] wShape, int groups, int stride, int padding, string expected)
    {
        var ex = Assert.Throws<ArgumentException>(() => Convolution.Conv2d(Tensor.Zeros(xShape), Tensor.Zeros(wShape), null, stride, padding, 1, groups));
        Assert.Contains(expected, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Conv2d_rejects_a_bias_of_the_wrong_size()
    {
        var ex = Assert.Throws<ArgumentException>(() => Convolution.Conv2d(Tensor.Zeros(new Shape(1, 2, 4, 4)), Tensor.Zeros(new Shape(3, 2, 3, 3)), Tensor.Zeros(new Shape(2))));
        Assert.Contains("(2,)", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Conv1d_rejects_a_4d_input()
    {
        var ex = Assert.Throws<ArgumentException>(() => Convolution.Conv1d(Tensor.Zeros(new Shape(1, 2, 4, 4)), Tensor.Zeros(new Shape(3, 2, 3))));
        Assert.Contains("(1, 2, 4, 4)", ex.Message, StringComparison.Ordinal);
    }

    private static int[] Ints(JsonElement e) => e.EnumerateArray().Select(v => v.GetInt32()).ToArray();
}
