using Pare.Core;
using Pare.Graph;
using Pare.Graph.Execution;

namespace Pare.Graph.Tests;

/// <summary>The ONNX elementwise ops on cases the node tests leave out: integer semantics (truncating Div, Mod signs,
/// wrapping, shape arithmetic on int64), casts, gradients through the graph, and bad attributes.</summary>
public class ElementwiseOpTests
{
    // One node "op" reading x0, x1, ... and writing y, in a model of the given opset.
    private static Tensor[] Run(string op, Tensor[] inputs, long opset = 17, bool training = false, (string Name, AttributeValue Value)[]? attributes = null)
    {
        var g = new ModelGraph { Name = "g" };
        var names = new List<string>();
        for (int i = 0; i < inputs.Length; i++)
        {
            g.Inputs.Add(new ValueInfo($"x{i}", ElementTypes.FromDType(inputs[i].DType), null));
            names.Add($"x{i}");
        }
        var node = new Node("the_node", op, names, ["y"]);
        foreach (var (name, value) in attributes ?? []) node.Attributes.Set(name, value);
        g.Nodes.Add(node);
        g.Outputs.Add(new ValueInfo("y", ElementType.Undefined, null));
        var model = new Model(g);
        model.Opsets[""] = opset;
        return training ? new GraphRunner(model, training: true).Run(inputs) : new InferenceSession(model).Run(inputs);
    }

    private static Tensor Longs(params long[] v) => Tensor.FromSpan<long>(v);

    [Fact]
    public void Integer_div_truncates_toward_zero()
    {
        var y = Run("Div", [Longs(7, -7, 7, -7, long.MinValue), Longs(2, 2, -2, -2, -1)])[0];
        Assert.Equal([3L, -3L, -3L, 3L, long.MinValue], y.ToArray<long>());
    }

    [Fact]
    public void Integer_division_by_zero_names_the_node()
    {
        var e = Assert.Throws<GraphException>(() => Run("Div", [Longs(1), Longs(0)]));
        Assert.Contains("the_node", e.Message);
    }

    [Theory]
    [InlineData(0, new long[] { 1, 2, -2, -1, 0 })]
    [InlineData(1, new long[] { 1, -1, 1, -1, 0 })]
    public void Integer_mod_follows_the_divisor_unless_fmod(long fmod, long[] expected)
    {
        var y = Run("Mod", [Longs(7, -7, 7, -7, 6), Longs(3, 3, -3, -3, 3)], attributes: [("fmod", AttributeValue.Of(fmod))])[0];
        Assert.Equal(expected, y.ToArray<long>());
    }

    [Fact]
    public void Bad_fmod_names_the_node()
    {
        var e = Assert.Throws<GraphException>(() => Run("Mod", [Longs(1), Longs(2)], attributes: [("fmod", AttributeValue.Of(2L))]));
        Assert.Contains("the_node", e.Message);
        Assert.Contains("fmod", e.Message);
    }

    [Fact]
    public void Int64_shape_arithmetic_broadcasts()
    {
        // (N, C) = (2, 3) times a scalar, as Shape → Gather → Mul → Concat builds reshape targets
        var shape = Tensor.Wrap(new long[] { 2, 3 }, new Shape(2));
        var y = Run("Mul", [shape, Tensor.Wrap(new long[] { 4 }, new Shape())])[0];
        Assert.Equal(new Shape(2), y.Shape);
        Assert.Equal([8L, 12L], y.ToArray<long>());
        var z = Run("Sub", [Tensor.Wrap(new long[] { 10, 20, 30, 40 }, new Shape(2, 2)), Longs(1, 2)])[0];
        Assert.Equal([9L, 18L, 29L, 38L], z.ToArray<long>());
    }

    [Fact]
    public void Int8_add_wraps()
    {
        var y = Run("Add", [Tensor.FromSpan<sbyte>([127, -128]), Tensor.FromSpan<sbyte>([1, -1])])[0];
        Assert.Equal([(sbyte)-128, (sbyte)127], y.ToArray<sbyte>());
    }

    [Fact]
    public void Mixed_types_name_the_node()
    {
        var e = Assert.Throws<GraphException>(() => Run("Add", [Longs(1), Tensor.FromSpan<int>([1])]));
        Assert.Contains("the_node", e.Message);
    }

    [Fact]
    public void Shapes_that_do_not_broadcast_name_the_node()
    {
        var e = Assert.Throws<GraphException>(() => Run("Add", [Tensor.FromSpan<float>([1f, 2f]), Tensor.FromSpan<float>([1f, 2f, 3f])]));
        Assert.Contains("the_node", e.Message);
        var f = Assert.Throws<GraphException>(() => Run("Add", [Longs(1, 2), Longs(1, 2, 3)]));
        Assert.Contains("the_node", f.Message);
    }

    [Fact]
    public void Integer_pow_is_exact()
    {
        var y = Run("Pow", [Longs(3, -2, 10), Longs(39, 3, 0)])[0];
        Assert.Equal([4052555153018976267L, -8L, 1L], y.ToArray<long>());
    }

    [Fact]
    public void Float_pow_by_a_scalar_two_squares_and_keeps_the_broadcast_shape()
    {
        var x = Tensor.FromSpan<float>([-3f, 0.5f, float.NaN, float.NegativeInfinity]);
        // scalar 2 takes the x·x path; a (1, 1) exponent broadcasts x up to rank 2 and goes through powf
        Assert.Equal([9f, 0.25f, float.NaN, float.PositiveInfinity], Run("Pow", [x, Tensor.Scalar(2f)])[0].ToArray<float>());
        var y = Run("Pow", [x, Tensor.FromSpan<float>([2f]).Reshape(1, 1)])[0];
        Assert.Equal(new Shape(1, 4), y.Shape);
        Assert.Equal([9f, 0.25f, float.NaN, float.PositiveInfinity], y.ToArray<float>());
        Assert.Equal([1f / 9f, 4f], Run("Pow", [Tensor.FromSpan<float>([-3f, 0.5f]), Tensor.Scalar(-2f)])[0].ToArray<float>());
    }

    [Fact]
    public void Cast_truncates_floats_toward_zero_and_tests_bool_as_nonzero()
    {
        var x = Tensor.FromSpan<float>([2.7f, -2.7f, 0f, 0.1f]);
        Assert.Equal([2L, -2L, 0L, 0L], Run("Cast", [x], attributes: [("to", AttributeValue.Of((long)ElementType.Int64))])[0].ToArray<long>());
        Assert.Equal([true, true, false, true], Run("Cast", [x], attributes: [("to", AttributeValue.Of((long)ElementType.Bool))])[0].ToArray<bool>());
        Assert.Equal([2, -2, 0, 0], Run("CastLike", [x, Tensor.FromSpan<int>([0])])[0].ToArray<int>());
    }

    [Fact]
    public void Integer_casts_wrap_and_int64_to_float_rounds_once()
    {
        var big = Longs((1L << 32) + 5, -1, (1L << 53) + 3);
        Assert.Equal([5, -1, 3], Run("Cast", [big], attributes: [("to", AttributeValue.Of((long)ElementType.Int32))])[0].ToArray<int>());
        Assert.Equal([(byte)5, (byte)255, (byte)3], Run("Cast", [big], attributes: [("to", AttributeValue.Of((long)ElementType.UInt8))])[0].ToArray<byte>());
        // 2^53 + 3 → the nearest float32
        Assert.Equal((float)((1L << 53) + 3), Run("Cast", [big], attributes: [("to", AttributeValue.Of((long)ElementType.Float))])[0].ToArray<float>()[2]);
    }

    [Fact]
    public void Cast_1_reads_the_type_name()
    {
        var y = Run("Cast", [Tensor.FromSpan<float>([1.9f])], opset: 1, attributes: [("to", AttributeValue.Of("INT32"))])[0];
        Assert.Equal([1], y.ToArray<int>());
    }

    [Fact]
    public void Float_mod_follows_the_divisor_and_passes_gradients()
    {
        var a = Tensor.FromSpan<float>([5.5f, -5.5f]);
        var b = Tensor.FromSpan<float>([-2f, 2f]);
        a.RequiresGrad = true;
        b.RequiresGrad = true;
        var y = Run("Mod", [a, b], training: true)[0];
        Assert.Equal([-0.5f, 0.5f], y.ToArray<float>());
        y.Backward(Tensor.Ones(y.Shape));
        // y = a − b·floor(a/b): floor(−2.75) = −3 for both
        Assert.Equal([1f, 1f], a.Grad!.ToArray<float>());
        Assert.Equal([3f, 3f], b.Grad!.ToArray<float>());
    }

    [Fact]
    public void Relu_takes_integers()
    {
        Assert.Equal([0L, 0L, 3L], Run("Relu", [Longs(-2, 0, 3)], opset: 14)[0].ToArray<long>());
    }

    [Fact]
    public void Cast_to_an_unsupported_type_is_unsupported()
    {
        var e = Assert.Throws<UnsupportedOpException>(() => Run("Cast", [Tensor.FromSpan<float>([1f])], attributes: [("to", AttributeValue.Of((long)ElementType.Double))]));
        Assert.Contains("the_node", e.Message);
        Assert.Contains("Double", e.Message);
    }

    [Fact]
    public void Where_selects_int64_and_bool_branches()
    {
        var cond = Tensor.FromSpan<bool>([true, false, true]);
        Assert.Equal([1L, 20L, 3L], Run("Where", [cond, Longs(1, 2, 3), Longs(10, 20, 30)])[0].ToArray<long>());
        Assert.Equal([true, true, true], Run("Where", [cond, Tensor.FromSpan<bool>([true]), Tensor.FromSpan<bool>([true])])[0].ToArray<bool>());
    }

    [Fact]
    public void Clip_on_integers_with_min_above_max_gives_max()
    {
        var y = Run("Clip", [Longs(-5, 0, 5), Tensor.Wrap(new long[] { 3 }, new Shape()), Tensor.Wrap(new long[] { 1 }, new Shape())], opset: 13)[0];
        Assert.Equal([1L, 1L, 1L], y.ToArray<long>());
    }

    [Fact]
    public void Clip_before_opset_11_reads_attributes()
    {
        var y = Run("Clip", [Tensor.FromSpan<float>([-2f, 0.5f, 2f])], opset: 6, attributes: [("min", AttributeValue.Of(-1f)), ("max", AttributeValue.Of(1f))])[0];
        Assert.Equal([-1f, 0.5f, 1f], y.ToArray<float>());
    }

    [Fact]
    public void Bitshift_on_uint8_drops_shifted_out_bits()
    {
        var y = Run("BitShift", [Tensor.FromSpan<byte>([255, 1, 16]), Tensor.FromSpan<byte>([1, 8, 2])], attributes: [("direction", AttributeValue.Of("LEFT"))])[0];
        Assert.Equal([(byte)254, (byte)0, (byte)64], y.ToArray<byte>());
        var e = Assert.Throws<GraphException>(() => Run("BitShift", [Tensor.FromSpan<byte>([1]), Tensor.FromSpan<byte>([1])], attributes: [("direction", AttributeValue.Of("UP"))]));
        Assert.Contains("the_node", e.Message);
    }

    [Fact]
    public void Celu_matches_its_formula()
    {
        // the node tests of Celu declare opset 25, beyond what the importer accepts, so they are checked here
        var x = Tensor.FromSpan<float>([-2f, -0.5f, 0f, 1.5f]);
        var y = Run("Celu", [x], opset: 17, attributes: [("alpha", AttributeValue.Of(2f))])[0].ToArray<float>();
        float[] want = [2f * (MathF.Exp(-1f) - 1f), 2f * (MathF.Exp(-0.25f) - 1f), 0f, 1.5f];
        for (int i = 0; i < want.Length; i++) Assert.Equal(want[i], y[i], 6);
    }

    [Fact]
    public void Gradients_flow_through_prelu_slope_and_float_arithmetic()
    {
        var x = Tensor.Wrap(new[] { -1f, 2f, -3f, 4f }, new Shape(2, 2));
        var slope = Tensor.Wrap(new[] { 0.5f, 0.25f }, new Shape(2));
        slope.RequiresGrad = true;
        x.RequiresGrad = true;
        var y = Run("PRelu", [x, slope], training: true)[0];
        y.Backward(Tensor.Ones(y.Shape));
        // d/dslope_j = Σ over rows of x where x < 0: column 0 has −1 and −3, column 1 has none
        Assert.Equal([-4f, 0f], slope.Grad!.ToArray<float>());
        Assert.Equal([0.5f, 1f, 0.5f, 1f], x.Grad!.ToArray<float>());
    }

    [Fact]
    public void Float_ops_reject_integer_input_naming_the_node()
    {
        var e = Assert.Throws<GraphException>(() => Run("Sqrt", [Longs(4)]));
        Assert.Contains("the_node", e.Message);
    }
}
