using Pare.Core;
using Pare.Core.Random;
using Pare.Graph.Execution;

namespace Pare.Graph.Tests;

/// <summary>The DQ → float elementwise/data-movement ops → Q rewrite into byte ops and a lookup table: the optimized
/// session has no Q/DQ left and gives the unoptimized QDQ graph's bytes exactly.</summary>
public class QdqChainFusionTests
{
    private static ModelGraph Start(DType input, out Rng rng, ulong seed)
    {
        rng = new Rng(seed);
        var g = new ModelGraph { Name = "chain" };
        g.Inputs.Add(new ValueInfo("xq", ElementTypes.FromDType(input), null));
        g.Initializers["xs"] = Tensor.Scalar(0.07f);
        g.Initializers["xz"] = input == DType.UInt8 ? Tensor.Wrap(new byte[] { 120 }, default) : Tensor.Wrap(new sbyte[] { -4 }, default);
        g.Initializers["ys"] = Tensor.Scalar(0.05f);
        g.Initializers["yz"] = Tensor.Wrap(new sbyte[] { 3 }, default);
        g.Nodes.Add(new Node("dq", "DequantizeLinear", ["xq", "xs", "xz"], ["x"]));
        return g;
    }

    private static (byte[] Fused, byte[] Plain, ModelGraph Optimized) Compare(ModelGraph g, Tensor input)
    {
        g.Outputs.Add(new ValueInfo("yq", ElementType.Undefined, null));
        var model = new Model(g);
        model.Opsets[""] = 13;
        var fused = new InferenceSession(model);
        int at = g.Outputs.FindIndex(o => o.Name == "yq");
        var got = fused.Run([input])[at];
        var expected = new InferenceSession(model, optimize: false).Run([input])[at];
        Assert.Equal(expected.Shape, got.Shape);
        return (Bytes(got), Bytes(expected), fused.Model.Graph);
    }

    private static byte[] Bytes(Tensor t) => t.DType == DType.UInt8 ? t.ToArray<byte>() : t.ToArray<sbyte>().Select(v => (byte)v).ToArray();

    private static Tensor Input(Rng rng, DType type, Shape shape)
    {
        var b = Enumerable.Range(0, shape.ElementCount).Select(_ => (byte)rng.NextInt(256)).ToArray();
        return type == DType.UInt8 ? Tensor.Wrap(b, shape) : Tensor.Wrap(b.Select(v => (sbyte)v).ToArray(), shape);
    }

    [Theory]
    [InlineData(DType.UInt8)]
    [InlineData(DType.Int8)]
    public void Relu_MaxPool_Flatten_chain_runs_on_bytes(DType type)
    {
        var g = Start(type, out var rng, 1);
        g.Nodes.Add(new Node("relu", "Relu", ["x"], ["r"]));
        var pool = new Node("pool", "MaxPool", ["r"], ["p"]);
        pool.Attributes.Set("kernel_shape", AttributeValue.Of(new long[] { 2, 2 }));
        pool.Attributes.Set("strides", AttributeValue.Of(new long[] { 2, 2 }));
        g.Nodes.Add(pool);
        g.Nodes.Add(new Node("flat", "Flatten", ["p"], ["f"]));
        g.Nodes.Add(new Node("q", "QuantizeLinear", ["f", "ys", "yz"], ["yq"]));
        var (fused, plain, optimized) = Compare(g, Input(rng, type, new Shape(2, 3, 6, 9)));
        Assert.Equal(plain, fused);
        Assert.DoesNotContain(optimized.Nodes, n => n.OpType is "DequantizeLinear" or "QuantizeLinear" or "Relu");
        Assert.Contains(optimized.Nodes, n => n.OpType == "QuantizedLookup");
    }

    [Fact]
    public void Per_channel_scale_and_hard_swish_fork_are_tabulated()
    {
        var g = Start(DType.UInt8, out var rng, 2);
        g.Initializers["k"] = Tensor.Wrap(new[] { 0.5f, -1.25f, 2f, 0.75f }, new Shape(4, 1, 1));
        g.Initializers["b"] = Tensor.Scalar(0.1f);
        g.Initializers["three"] = Tensor.Scalar(3f);
        g.Initializers["lo"] = Tensor.Scalar(0f);
        g.Initializers["hi"] = Tensor.Scalar(6f);
        g.Initializers["six"] = Tensor.Scalar(6f);
        g.Nodes.Add(new Node("mul", "Mul", ["k", "x"], ["m"]));
        g.Nodes.Add(new Node("add", "Add", ["m", "b"], ["a"]));
        g.Nodes.Add(new Node("add3", "Add", ["a", "three"], ["a3"]));
        g.Nodes.Add(new Node("clip", "Clip", ["a3", "lo", "hi"], ["c"]));
        g.Nodes.Add(new Node("mul2", "Mul", ["a", "c"], ["hs"]));
        g.Nodes.Add(new Node("div", "Div", ["hs", "six"], ["d"]));
        g.Nodes.Add(new Node("q", "QuantizeLinear", ["d", "ys", "yz"], ["yq"]));
        var (fused, plain, optimized) = Compare(g, Input(rng, DType.UInt8, new Shape(2, 4, 3, 5)));
        Assert.Equal(plain, fused);
        Assert.Equal(["QuantizedLookup"], optimized.Nodes.Select(n => n.OpType));
    }

    [Fact]
    public void Bias_along_the_last_axis_then_relu()
    {
        var g = Start(DType.UInt8, out var rng, 3);
        g.Initializers["bias"] = Tensor.Wrap(Enumerable.Range(0, 7).Select(i => i * 0.3f - 1f).ToArray(), new Shape(7));
        g.Nodes.Add(new Node("add", "Add", ["x", "bias"], ["a"]));
        g.Nodes.Add(new Node("relu", "Relu", ["a"], ["r"]));
        g.Nodes.Add(new Node("q", "QuantizeLinear", ["r", "ys", "yz"], ["yq"]));
        var (fused, plain, optimized) = Compare(g, Input(rng, DType.UInt8, new Shape(5, 7)));
        Assert.Equal(plain, fused);
        Assert.Equal(["QuantizedLookup"], optimized.Nodes.Select(n => n.OpType));
    }

    // hard swish whose float result feeds a squeeze-excite block (GlobalAveragePool and a Mul by the excitation):
    // DQ and the elementwise ops up to that result become one byte → float lookup, bit for bit
    [Theory]
    [InlineData(DType.UInt8)]
    [InlineData(DType.Int8)]
    public void Hard_swish_read_as_float_becomes_a_float_lookup(DType type)
    {
        var g = Start(type, out var rng, 6);
        g.Initializers["k"] = Tensor.Wrap(new[] { 1.3f }, new Shape(1));
        g.Initializers["b"] = Tensor.Wrap(new[] { -0.2f }, new Shape(1));
        g.Initializers["three"] = Tensor.Scalar(3f);
        g.Initializers["lo"] = Tensor.Scalar(0f);
        g.Initializers["hi"] = Tensor.Scalar(6f);
        g.Initializers["six"] = Tensor.Scalar(6f);
        g.Nodes.Add(new Node("mul", "Mul", ["k", "x"], ["m"]));
        g.Nodes.Add(new Node("add", "Add", ["m", "b"], ["a"]));
        g.Nodes.Add(new Node("add3", "Add", ["a", "three"], ["a3"]));
        g.Nodes.Add(new Node("clip", "Clip", ["a3", "lo", "hi"], ["c"]));
        g.Nodes.Add(new Node("mul2", "Mul", ["a", "c"], ["hs"]));
        g.Nodes.Add(new Node("div", "Div", ["hs", "six"], ["h"]));
        g.Nodes.Add(new Node("gap", "GlobalAveragePool", ["h"], ["s"]));
        g.Nodes.Add(new Node("sig", "Sigmoid", ["s"], ["e"]));
        g.Nodes.Add(new Node("scale", "Mul", ["h", "e"], ["se"]));
        g.Nodes.Add(new Node("q", "QuantizeLinear", ["se", "ys", "yz"], ["yq"]));
        g.Outputs.Add(new ValueInfo("h", ElementType.Undefined, null));
        var input = Input(rng, type, new Shape(2, 3, 5, 7));
        var (fused, plain, optimized) = Compare(g, input);
        Assert.Equal(plain, fused);
        var lookup = Assert.Single(optimized.Nodes, n => n.OpType == "QuantizedLookup");
        Assert.Equal(DType.Float32, optimized.Initializers[lookup.Inputs[1]].DType);
        Assert.DoesNotContain(optimized.Nodes, n => n.OpType is "DequantizeLinear" or "Clip" or "Div");
        // the float result itself (a graph output here) is the float chain's, exactly
        var model = new Model(g);
        model.Opsets[""] = 13;
        int at = g.Outputs.FindIndex(o => o.Name == "h");
        Assert.Equal(new InferenceSession(model, optimize: false).Run([input])[at].ToArray<float>(), new InferenceSession(model).Run([input])[at].ToArray<float>());
    }

    // a member reading a value from outside (x · t, t an input) cuts the region before it: only DQ → Mul → Add fuse
    [Fact]
    public void A_region_node_reading_an_outside_value_ends_the_float_region()
    {
        var g = Start(DType.UInt8, out var rng, 7);
        g.Inputs.Add(new ValueInfo("t", ElementTypes.FromDType(DType.Float32), null));
        g.Initializers["k"] = Tensor.Scalar(0.5f);
        g.Initializers["b"] = Tensor.Scalar(0.25f);
        g.Nodes.Add(new Node("mul", "Mul", ["x", "k"], ["m"]));
        g.Nodes.Add(new Node("add", "Add", ["m", "b"], ["a"]));
        g.Nodes.Add(new Node("mt", "Mul", ["a", "t"], ["at"]));
        g.Nodes.Add(new Node("relu", "Relu", ["at"], ["r"]));
        g.Nodes.Add(new Node("q", "QuantizeLinear", ["r", "ys", "yz"], ["yq"]));
        g.Outputs.Add(new ValueInfo("yq", ElementType.Undefined, null));
        var model = new Model(g);
        model.Opsets[""] = 13;
        var x = Input(rng, DType.UInt8, new Shape(3, 8));
        var t = Tensor.Wrap(Enumerable.Range(0, 24).Select(_ => rng.NextFloat() * 4 - 2).ToArray(), new Shape(3, 8));
        var session = new InferenceSession(model);
        Assert.Equal(new InferenceSession(model, optimize: false).Run([x, t])[0].ToArray<sbyte>(), session.Run([x, t])[0].ToArray<sbyte>());
        Assert.Contains(session.Model.Graph.Nodes, n => n.OpType == "QuantizedLookup");
        Assert.Contains(session.Model.Graph.Nodes, n => n.Name == "mt");
        Assert.DoesNotContain(session.Model.Graph.Nodes, n => n.Name is "mul" or "add");
    }

    [Fact]
    public void A_value_read_outside_the_chain_keeps_the_float_ops()
    {
        var g = Start(DType.UInt8, out var rng, 4);
        g.Nodes.Add(new Node("relu", "Relu", ["x"], ["r"]));
        g.Nodes.Add(new Node("q", "QuantizeLinear", ["r", "ys", "yz"], ["yq"]));
        g.Outputs.Add(new ValueInfo("r", ElementType.Undefined, null));
        var (fused, plain, optimized) = Compare(g, Input(rng, DType.UInt8, new Shape(3, 4)));
        Assert.Equal(plain, fused);
        Assert.Contains(optimized.Nodes, n => n.OpType == "Relu");
        Assert.DoesNotContain(optimized.Nodes, n => n.OpType == "QuantizedLookup");
    }

    [Fact]
    public void Pooling_after_a_decreasing_function_is_not_moved()
    {
        // −x is not monotone non-decreasing: max(−x) ≠ −max(x), so MaxPool must stay in float
        var g = Start(DType.UInt8, out var rng, 5);
        g.Initializers["neg"] = Tensor.Scalar(-1f);
        g.Nodes.Add(new Node("mul", "Mul", ["x", "neg"], ["m"]));
        var pool = new Node("pool", "MaxPool", ["m"], ["p"]);
        pool.Attributes.Set("kernel_shape", AttributeValue.Of(new long[] { 2, 2 }));
        g.Nodes.Add(pool);
        g.Nodes.Add(new Node("q", "QuantizeLinear", ["p", "ys", "yz"], ["yq"]));
        var (fused, plain, optimized) = Compare(g, Input(rng, DType.UInt8, new Shape(1, 2, 4, 4)));
        Assert.Equal(plain, fused);
        Assert.Contains(optimized.Nodes, n => n.OpType == "MaxPool");
        Assert.Contains(optimized.Nodes, n => n.OpType == "DequantizeLinear");
    }
}
