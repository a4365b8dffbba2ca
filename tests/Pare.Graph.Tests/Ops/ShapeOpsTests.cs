using Pare.Core;
using CoreOps = Pare.Core.Ops;
using static Pare.Graph.Tests.Ops.OnnxOpHarness;

namespace Pare.Graph.Tests.Ops;

/// <summary>The ONNX shape and indexing ops: bad arguments fail naming the node, valid but unsupported cases are
/// UnsupportedOpException, and float32 gradients flow through them under the training runner. Values on every
/// dtype and opset form are checked by the ONNX cases in tests/Pare.Onnx.Tests/Cases/shape-ops.</summary>
public class ShapeOpsTests
{
    private static GraphException Fails(string op, Tensor?[] inputs, Action<Attributes>? attributes = null, long opset = 17, int outputs = 1)
    {
        var e = Assert.ThrowsAny<GraphException>(() => Run(op, inputs, opset, attributes, outputs));
        Assert.IsNotType<UnsupportedOpException>(e);
        Assert.Contains(NodeName, e.Message);
        return e;
    }

    [Fact]
    public void Bad_arguments_fail_naming_the_node()
    {
        var x = Tensor.Zeros(new Shape(2, 3));
        Assert.Contains("-1", Fails("Reshape", [x, Longs(-1, -1)]).Message);
        Assert.Contains("out of range", Fails("Gather", [x, Longs(3)], a => a.Set("axis", AttributeValue.Of(0L))).Message);
        Assert.Contains("perm", Fails("Transpose", [x], a => a.Set("perm", AttributeValue.Of(new long[] { 0, 0 }))).Message);
        Assert.Contains("sum", Fails("Split", [x, Longs(1, 1)], a => a.Set("axis", AttributeValue.Of(1L)), outputs: 2).Message);
        Assert.Contains("reflect", Fails("Pad", [x, Longs(0, 3, 0, 0)], a => a.Set("mode", AttributeValue.Of("reflect"))).Message);
        Assert.Contains("step", Fails("Slice", [x, Longs(0), Longs(1), Longs(0), Longs(0)]).Message);
        Assert.Contains("squeeze", Fails("Squeeze", [x, Longs(0)]).Message);
        Assert.Contains("scales", Fails("Resize", [x, null, Floats(1, 2), Longs(2, 6)]).Message);
        Assert.Contains("reduction", Fails("ScatterElements", [x, Tensor.Zeros(new Shape(1, 1), DType.Int64), Tensor.Zeros(new Shape(1, 1))],
            a => a.Set("reduction", AttributeValue.Of("max")), opset: 16).Message);
    }

    [Fact]
    public void Antialias_is_unsupported_not_failed()
    {
        var x = Tensor.Zeros(new Shape(1, 1, 4, 4));
        var e = Assert.Throws<UnsupportedOpException>(() => Run("Resize", [x, null, Floats(1, 1, 0.5f, 0.5f)], 18, a =>
        {
            a.Set("mode", AttributeValue.Of("linear"));
            a.Set("antialias", AttributeValue.Of(1L));
        }));
        Assert.Contains("antialias", e.Message);
    }

    [Fact]
    public void Slice_with_negative_step_passes_the_gradient()
    {
        var x = Tensor.FromSpan<float>([0f, 1f, 2f, 3f, 4f]);
        x.RequiresGrad = true;
        var y = Run("Slice", [x, Longs(-1), Longs(0), Longs(0), Longs(-2)], training: true)[0];
        Assert.Equal([4f, 2f], y.ToArray<float>());
        CoreOps.Reduce.Sum(CoreOps.Elementwise.Mul(y, Floats(10f, 1f))).Backward();
        Assert.Equal([0f, 0f, 1f, 0f, 10f], x.Grad!.ToArray<float>());
    }

    [Fact]
    public void Gather_tile_and_pad_pass_the_gradient()
    {
        var x = Tensor.FromSpan<float>([1f, 2f, 3f]);
        x.RequiresGrad = true;
        var g = Run("Gather", [x, Longs(-1, 0, -1)], training: true)[0];
        var t = Run("Tile", [x, Longs(2)], training: true)[0];
        var p = Run("Pad", [x, Longs(1, 2)], 18, a => a.Set("mode", AttributeValue.Of("reflect")), training: true)[0];
        Assert.Equal([3f, 1f, 3f], g.ToArray<float>());
        Assert.Equal([2f, 1f, 2f, 3f, 2f, 1f], p.ToArray<float>());
        CoreOps.Reduce.Sum(CoreOps.Assembly.Concat([g, t, p])).Backward();
        // gather: 1, 0, 2; tile: 2 each; reflect pad (2 1 2 3 2 1): 2, 3, 1
        Assert.Equal([5f, 5f, 5f], x.Grad!.ToArray<float>());
    }

    [Theory]
    [InlineData("linear", "half_pixel")]
    [InlineData("cubic", "align_corners")]
    [InlineData("nearest", "asymmetric")]
    [InlineData("linear", "tf_crop_and_resize")]
    public void Resize_training_path_matches_inference_and_passes_the_gradient(string mode, string coordinates)
    {
        var rng = new Pare.Core.Random.Rng(3);
        var x = Tensor.Uniform(new Shape(1, 2, 3, 4), -1f, 1f, rng);
        var roi = coordinates == "tf_crop_and_resize" ? Floats(0, 0, 0.1f, -0.2f, 1, 1, 0.9f, 1.3f) : null;
        void Attrs(Attributes a)
        {
            a.Set("mode", AttributeValue.Of(mode));
            a.Set("coordinate_transformation_mode", AttributeValue.Of(coordinates));
            a.Set("extrapolation_value", AttributeValue.Of(7f));
        }
        var sizes = Longs(1, 2, 5, 3);
        var expected = Run("Resize", [x, roi, null, sizes], 13, Attrs)[0];
        var leaf = x.Clone();
        leaf.RequiresGrad = true;
        var y = Run("Resize", [leaf, roi, null, sizes], 13, Attrs, training: true)[0];
        Assert.Equal(expected.Shape, y.Shape);
        var e = expected.ToArray<float>();
        var a = y.ToArray<float>();
        for (int i = 0; i < e.Length; i++) Assert.Equal(e[i], a[i], 5e-6f);
        Assert.NotNull(y.GradFn);
        // d Σy / dx: what each input contributes summed over the outputs; check one element by a finite difference
        CoreOps.Reduce.Sum(y).Backward();
        var bumped = x.Clone();
        bumped.AsSpan<float>()[5] += 1e-2f;
        float delta = (CoreOps.Reduce.Sum(Run("Resize", [bumped, roi, null, sizes], 13, Attrs)[0]).Item()
                       - CoreOps.Reduce.Sum(expected).Item()) / 1e-2f;
        Assert.Equal(delta, leaf.Grad!.ToArray<float>()[5], 2e-2f);
    }

    [Fact]
    public void Int64_shape_arithmetic_chain_like_silero()
    {
        // Shape → Gather(-1) → Unsqueeze → Concat → Reshape, all on small int64 tensors
        var x = Tensor.Zeros(new Shape(2, 64, 10));
        var shape = Run("Shape", [x])[0];
        var last = Run("Gather", [shape, Tensor.Wrap(new long[] { -1 }, default)], attributes: a => a.Set("axis", AttributeValue.Of(0L)))[0];
        Assert.Equal(0, last.Rank);
        var unsq = Run("Unsqueeze", [last, Longs(0)])[0];
        var target = Run("Concat", [Longs(-1), unsq], attributes: a => a.Set("axis", AttributeValue.Of(0L)))[0];
        Assert.Equal([-1L, 10L], target.ToArray<long>());
        Assert.Equal(new Shape(128, 10), Run("Reshape", [x, target])[0].Shape);
    }

    [Fact]
    public void Scatter_none_and_add_pass_the_gradient_to_data_and_updates()
    {
        var data = Tensor.FromSpan<float>([1f, 2f, 3f, 4f], new Shape(2, 2));
        var updates = Tensor.FromSpan<float>([10f, 20f], new Shape(1, 2));
        data.RequiresGrad = true;
        updates.RequiresGrad = true;
        var index = Tensor.FromSpan<long>([-1, 0], new Shape(1, 2));
        var elements = Run("ScatterElements", [data, index, updates], training: true)[0];
        Assert.Equal([1f, 20f, 10f, 4f], elements.ToArray<float>());
        var nd = Run("ScatterND", [data, Tensor.FromSpan<long>([1], new Shape(1, 1)), updates], 16,
            a => a.Set("reduction", AttributeValue.Of("add")), training: true)[0];
        Assert.Equal([1f, 2f, 13f, 24f], nd.ToArray<float>());
        CoreOps.Reduce.Sum(CoreOps.Elementwise.Add(elements, CoreOps.Elementwise.Mul(nd, Tensor.Scalar(2f)))).Backward();
        // elements: data keeps (0,0) and (1,1), updates land on (1,0) and (0,1); nd (add): all data, updates onto row 1
        Assert.Equal([3f, 2f, 2f, 3f], data.Grad!.ToArray<float>());
        Assert.Equal([3f, 3f], updates.Grad!.ToArray<float>());
    }
}
