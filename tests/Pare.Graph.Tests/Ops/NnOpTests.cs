using Pare.Core;
using Pare.Graph.Execution;
using static Pare.Graph.Tests.Ops.OpHarness;
using CoreOps = Pare.Core.Ops;

namespace Pare.Graph.Tests.Ops;

/// <summary>Conv, pooling, Gemm and quantization behaviour the ONNX node tests leave out: asymmetric pads off
/// Core's fast path, SAME_LOWER, index layouts, rounding and saturation, per-axis parameters, error messages.</summary>
public class NnOpTests
{
    private static readonly float[] Nine = [1, 2, 3, 4, 5, 6, 7, 8, 9];

    [Theory]
    [InlineData(0, new float[] { 1.5f, 2.5f, 3, 3, 4, 4.5f, 6, 7, 7.5f })]
    [InlineData(1, new float[] { 0.75f, 1.25f, 0.75f, 3, 4, 2.25f, 6, 7, 3.75f })]
    public void AveragePool_with_asymmetric_pads_divides_by_the_counted_taps(int countIncludePad, float[] expected)
    {
        var y = Run("AveragePool", [F(Nine, 1, 1, 3, 3)], 1,
            Ints("kernel_shape", 2, 2), Ints("pads", 1, 0, 0, 1), Int("count_include_pad", countIncludePad))[0];
        Assert.Equal(new Shape(1, 1, 3, 3), y.Shape);
        Assert.Equal(expected, y.ToArray<float>());
    }

    [Theory]
    [InlineData(0, new long[] { 1, 2, 2, 4, 5, 5, 7, 8, 8 })]
    [InlineData(1, new long[] { 3, 6, 6, 4, 7, 7, 5, 8, 8 })]
    public void MaxPool_with_asymmetric_pads_gives_indices_into_the_unpadded_input(int storageOrder, long[] plane)
    {
        var x = F([.. Nine, .. Nine], 1, 2, 3, 3);
        var r = Run("MaxPool", [x], 2, Ints("kernel_shape", 2, 2), Ints("pads", 1, 0, 0, 1), Int("storage_order", storageOrder));
        Assert.Equal([2f, 3, 3, 5, 6, 6, 8, 9, 9, 2, 3, 3, 5, 6, 6, 8, 9, 9], r[0].ToArray<float>());
        Assert.Equal([.. plane, .. plane.Select(i => i + 9)], r[1].ToArray<long>());
    }

    [Theory]
    [InlineData("SAME_LOWER", new float[] { 1, 3, 5, 7 })]
    [InlineData("SAME_UPPER", new float[] { 3, 5, 7, 4 })]
    public void Conv1d_auto_pad_puts_the_odd_pad_on_the_named_side(string autoPad, float[] expected)
    {
        var y = Run("Conv", [F([1, 2, 3, 4], 1, 1, 4), F([1, 1], 1, 1, 2)], 1, Str("auto_pad", autoPad))[0];
        Assert.Equal(expected, y.ToArray<float>());
    }

    [Fact]
    public void Gemm_transposes_scales_and_broadcasts_a_row_of_C()
    {
        var a = F([1, 4, 2, 5, 3, 6], 3, 2);
        var b = F([1, 0, 0, 1, 1, 1], 3, 2);
        var y = Run("Gemm", [a, b, F([1, -1], 2)], 1, Int("transA", 1), Float("alpha", 2), Float("beta", 3))[0];
        Assert.Equal([11f, 7, 23, 19], y.ToArray<float>());
    }

    [Fact]
    public void ConvTranspose_output_shape_beyond_the_full_output_pads_the_end_and_adds_the_bias_everywhere()
    {
        var y = Run("ConvTranspose", [F([1], 1, 1, 1, 1), F([2], 1, 1, 1, 1), F([5], 1)], 1, Ints("output_shape", 2, 2))[0];
        Assert.Equal(new Shape(1, 1, 2, 2), y.Shape);
        Assert.Equal([7f, 5, 5, 5], y.ToArray<float>());
    }

    [Theory]
    [InlineData(DType.Int8, 0, new int[] { 0, 2, 2, 0, -2, 127, -128 })]
    [InlineData(DType.UInt8, 10, new int[] { 10, 12, 12, 10, 8, 255, 0 })]
    public void QuantizeLinear_rounds_half_to_even_and_saturates(DType type, int zeroPoint, int[] expected)
    {
        var zp = type == DType.Int8 ? Tensor.Wrap(new[] { (sbyte)zeroPoint }, default) : Tensor.Wrap(new[] { (byte)zeroPoint }, default);
        var y = Run("QuantizeLinear", [F([0.5f, 1.5f, 2.5f, -0.5f, -1.5f, 300, -300], 7), Tensor.Scalar(1f), zp])[0];
        Assert.Equal(type, y.DType);
        Assert.Equal(expected, y.To(DType.Int32).ToArray<int>());
    }

    [Fact]
    public void DequantizeLinear_per_axis_uses_one_scale_and_zero_point_per_slice()
    {
        var x = Tensor.Wrap(new sbyte[] { 1, 2, 3, 4, 5, 6 }, new Shape(2, 3));
        var y = Run("DequantizeLinear", [x, F([1, 2], 2), Tensor.Wrap(new sbyte[] { 0, 1 }, new Shape(2))], 1, Int("axis", 0))[0];
        Assert.Equal([1f, 2, 3, 6, 8, 10], y.ToArray<float>());
    }

    [Fact]
    public void MatMulInteger_subtracts_a_zero_point_per_row_of_A()
    {
        var a = Tensor.Wrap(new byte[] { 1, 2, 3, 4 }, new Shape(2, 2));
        var b = Tensor.Wrap(new byte[] { 1, 0, 0, 1 }, new Shape(2, 2));
        var y = Run("MatMulInteger", [a, b, Tensor.Wrap(new byte[] { 1, 3 }, new Shape(2))])[0];
        Assert.Equal(DType.Int32, y.DType);
        Assert.Equal([0, 1, 0, 1], y.ToArray<int>());
    }

    [Fact]
    public void Bad_pads_fail_naming_the_node()
    {
        var e = Assert.Throws<GraphException>(() => Run("Conv", [F(Nine, 1, 1, 3, 3), F([1], 1, 1, 1, 1)], 1, Ints("pads", 1, 1, 1)));
        Assert.Contains("node_under_test", e.Message);
        Assert.Contains("pads", e.Message);
    }

    [Fact]
    public void MaxPool_without_kernel_shape_fails_naming_the_attribute()
    {
        var e = Assert.Throws<GraphException>(() => Run("MaxPool", [F(Nine, 1, 1, 3, 3)]));
        Assert.Contains("node_under_test", e.Message);
        Assert.Contains("kernel_shape", e.Message);
    }

    [Fact]
    public void Conv4d_is_unsupported_not_failed()
    {
        var e = Assert.Throws<UnsupportedOpException>(() => Run("Conv", [Tensor.Ones([1, 1, 2, 2, 2, 2]), Tensor.Ones([1, 1, 1, 1, 1, 1])]));
        Assert.Contains("4-D", e.Message);
    }

    /// <summary>3-D Conv (composed from 2-D slices) against a direct loop: stride and pads differ per axis.</summary>
    [Fact]
    public void Conv3d_matches_a_direct_loop()
    {
        var rng = new Pare.Core.Random.Rng(5);
        var x = Tensor.Uniform([1, 2, 4, 3, 3], -1, 1, rng);
        var w = Tensor.Uniform([2, 2, 3, 2, 2], -1, 1, rng);
        int[] stride = [2, 1, 1], begin = [1, 0, 1], end = [1, 1, 0];
        var y = Run("Conv", [x, w], 1, Ints("strides", 2, 1, 1), Ints("pads", 1, 0, 1, 1, 1, 0))[0];
        var outDims = new int[3];
        for (int a = 0; a < 3; a++) outDims[a] = (x.Dim(2 + a) + begin[a] + end[a] - w.Dim(2 + a)) / stride[a] + 1;
        Assert.Equal(new Shape(1, 2, outDims[0], outDims[1], outDims[2]), y.Shape);
        for (int m = 0; m < 2; m++)
            for (int od = 0; od < outDims[0]; od++)
                for (int oh = 0; oh < outDims[1]; oh++)
                    for (int ow = 0; ow < outDims[2]; ow++)
                    {
                        double sum = 0;
                        for (int ch = 0; ch < 2; ch++)
                            for (int kd = 0; kd < 3; kd++)
                                for (int kh = 0; kh < 2; kh++)
                                    for (int kw = 0; kw < 2; kw++)
                                    {
                                        int id = od * 2 - 1 + kd, ih = oh + kh, iw = ow - 1 + kw;
                                        if (id < 0 || id >= 4 || ih >= 3 || iw < 0 || iw >= 3) continue;
                                        sum += (double)x[0, ch, id, ih, iw] * w[m, ch, kd, kh, kw];
                                    }
                        Assert.Equal(sum, y[0, m, od, oh, ow], 5);
                    }
    }

    /// <summary>ConvTranspose then an AveragePool off Core's fast path (asymmetric pads) under the training executor:
    /// the loss is linear in W, so central differences are exact up to rounding.</summary>
    [Fact]
    public void Gradients_flow_through_ConvTranspose_and_a_composed_AveragePool()
    {
        var g = new ModelGraph { Name = "ct_pool" };
        g.Inputs.Add(new ValueInfo("x", ElementType.Float, null));
        var w = Tensor.Wrap(new float[] { 0.5f, -1, 2, 0.25f, 1, -0.5f, 0.75f, 1.5f }, new Shape(1, 2, 2, 2));
        g.Initializers["w"] = w.Clone();
        var ct = new Node("ct", "ConvTranspose", ["x", "w"], ["h"]);
        ct.Attributes.Set("strides", AttributeValue.Of(new long[] { 2, 2 }));
        g.Nodes.Add(ct);
        var pool = new Node("pool", "AveragePool", ["h"], ["y"]);
        pool.Attributes.Set("kernel_shape", AttributeValue.Of(new long[] { 3, 2 }));
        pool.Attributes.Set("pads", AttributeValue.Of(new long[] { 0, 1, 2, 0 }));
        g.Nodes.Add(pool);
        g.Outputs.Add(new ValueInfo("y", ElementType.Float, null));
        var x = Tensor.Wrap(new float[] { 1, -2, 3, 0.5f, 2, -1 }, new Shape(1, 1, 2, 3));
        var weights = Tensor.Wrap(new float[] { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20 }, new Shape(20));

        var session = new TrainingSession(new Model(g));
        var y = session.Forward([x])[0];
        Assert.Equal(new Shape(1, 2, 4, 6), y.Shape);
        Loss(y, weights).Backward();
        var grad = session.Parameters["w"].Grad!.ToArray<float>();

        for (int i = 0; i < w.Count; i++)
        {
            const float H = 0.5f;
            double plus = LossAt(g, x, w, i, H, weights), minus = LossAt(g, x, w, i, -H, weights);
            Assert.Equal((plus - minus) / (2 * H), grad[i], 3);
        }
    }

    // Σ y · weights (weights cycled over y's elements)
    private static Tensor Loss(Tensor y, Tensor weights)
    {
        var flat = y.Reshape(-1);
        var cycled = CoreOps.Assembly.Concat([.. Enumerable.Repeat(weights, (flat.Dim(0) + 19) / 20)]).Slice(0, 0, flat.Dim(0));
        return CoreOps.Reduce.Sum(CoreOps.Elementwise.Mul(flat, cycled));
    }

    private static double LossAt(ModelGraph g, Tensor x, Tensor w, int i, float h, Tensor weights)
    {
        var shifted = w.Clone();
        shifted.AsSpan<float>()[i] += h;
        g.Initializers["w"] = shifted;
        using var _ = Pare.Core.Autograd.Tape.NoGrad();
        return Loss(new InferenceSession(new Model(g)).Run([x])[0], weights).Item();
    }
}
