using Pare.Core;
using Pare.Core.Random;
using Pare.Graph.Execution;

namespace Pare.Graph.Tests;

/// <summary>The QDQ → QLinearConv/QLinearMatMul rewrite: the optimized session runs integer nodes and agrees with
/// the unoptimized QDQ graph (dequantize, float op, quantize) to within one quantization step (the bias is rounded
/// to int32 and the float op rounds differently).</summary>
public class QdqFusionTests
{
    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Conv_and_MatMul_between_quantize_nodes_become_integer_ops(bool conv)
    {
        var rng = new Rng(conv ? 3UL : 4UL);
        var g = new ModelGraph { Name = "qdq" };
        g.Inputs.Add(new ValueInfo("xq", ElementTypes.FromDType(DType.UInt8), null));
        int cIn = 3, cOut = 4, k = 3, kDim = 24, n = 10;
        Shape wShape = conv ? new Shape(cOut, cIn, k, k) : new Shape(kDim, n);
        int channels = conv ? cOut : n;
        var w = new sbyte[wShape.ElementCount];
        for (int i = 0; i < w.Length; i++) w[i] = (sbyte)(rng.NextInt(255) - 127);
        g.Initializers["w"] = Tensor.Wrap(w, wShape);
        g.Initializers["ws"] = Tensor.Wrap(Enumerable.Range(0, channels).Select(_ => 0.002f + rng.NextFloat() * 0.01f).ToArray(), new Shape(channels));
        g.Initializers["wz"] = Tensor.Wrap(new sbyte[channels], new Shape(channels));
        g.Initializers["xs"] = Tensor.Scalar(0.02f);
        g.Initializers["xz"] = Tensor.Wrap(new byte[] { 128 }, default);
        g.Initializers["ys"] = Tensor.Scalar(0.05f);
        g.Initializers["yz"] = Tensor.Wrap(new byte[] { 100 }, default);
        g.Initializers["b"] = Tensor.Wrap(Enumerable.Range(0, cOut).Select(_ => rng.NextFloat() - 0.5f).ToArray(), new Shape(cOut));
        g.Nodes.Add(new Node("dqx", "DequantizeLinear", ["xq", "xs", "xz"], ["x"]));
        var dqw = new Node("dqw", "DequantizeLinear", ["w", "ws", "wz"], ["wf"]);
        dqw.Attributes.Set("axis", AttributeValue.Of(conv ? 0L : 1L));
        g.Nodes.Add(dqw);
        var op = conv ? new Node("conv", "Conv", ["x", "wf", "b"], ["y"]) : new Node("mm", "MatMul", ["x", "wf"], ["y"]);
        if (conv) op.Attributes.Set("pads", AttributeValue.Of(new long[] { 1, 1, 1, 1 }));
        g.Nodes.Add(op);
        g.Nodes.Add(new Node("qy", "QuantizeLinear", ["y", "ys", "yz"], ["yq"]));
        g.Outputs.Add(new ValueInfo("yq", ElementType.Undefined, null));
        var model = new Model(g);
        model.Opsets[""] = 13;
        Shape xShape = conv ? new Shape(2, cIn, 7, 6) : new Shape(5, kDim);
        var x = new byte[xShape.ElementCount];
        for (int i = 0; i < x.Length; i++) x[i] = (byte)rng.NextInt(256);
        var input = Tensor.Wrap(x, xShape);

        var fused = new InferenceSession(model);
        Assert.Contains(fused.Model.Graph.Nodes, nd => nd.OpType == (conv ? "QLinearConv" : "QLinearMatMul"));
        Assert.DoesNotContain(fused.Model.Graph.Nodes, nd => nd.OpType is "DequantizeLinear" or "QuantizeLinear");
        var got = fused.Run([input])[0].ToArray<byte>();
        var expected = new InferenceSession(model, optimize: false).Run([input])[0].ToArray<byte>();
        Assert.Equal(expected.Length, got.Length);
        for (int i = 0; i < got.Length; i++) Assert.True(Math.Abs(got[i] - expected[i]) <= 1, $"element {i}: {got[i]} vs {expected[i]}");
    }

    // a channel whose weight scale is ~1e-18 (its bias overflows int32 at x_s·W_s): fused with zero weights and scale
    // y_s / x_s, that channel equals the float path exactly (round(B / y_s) + y_z); a bias overflowing with normal
    // weights keeps the float conv
    [Theory]
    [InlineData(1e-18f, 0.3f, true)]
    [InlineData(1e-18f, -7f, true)]
    [InlineData(0.01f, 1e8f, false)]
    public void Conv_with_an_overflowing_bias_fuses_only_when_the_channel_weights_are_negligible(float deadScale, float deadBias, bool fuses)
    {
        var rng = new Rng(9);
        var g = new ModelGraph { Name = "qdq_dead" };
        g.Inputs.Add(new ValueInfo("xq", ElementTypes.FromDType(DType.UInt8), null));
        int ch = 3, k = 3;
        var w = new sbyte[ch * k * k];
        for (int i = 0; i < w.Length; i++) w[i] = (sbyte)(rng.NextInt(255) - 127);
        g.Initializers["w"] = Tensor.Wrap(w, new Shape(ch, 1, k, k));
        g.Initializers["ws"] = Tensor.Wrap(new[] { 0.004f, deadScale, 0.007f }, new Shape(ch));
        g.Initializers["wz"] = Tensor.Wrap(new sbyte[] { 0, 3, 0 }, new Shape(ch));
        g.Initializers["xs"] = Tensor.Scalar(0.02f);
        g.Initializers["xz"] = Tensor.Wrap(new byte[] { 128 }, default);
        g.Initializers["ys"] = Tensor.Scalar(0.05f);
        g.Initializers["yz"] = Tensor.Wrap(new byte[] { 100 }, default);
        g.Initializers["b"] = Tensor.Wrap(new[] { 0.2f, deadBias, -0.1f }, new Shape(ch));
        g.Nodes.Add(new Node("dqx", "DequantizeLinear", ["xq", "xs", "xz"], ["x"]));
        var dqw = new Node("dqw", "DequantizeLinear", ["w", "ws", "wz"], ["wf"]);
        dqw.Attributes.Set("axis", AttributeValue.Of(0L));
        g.Nodes.Add(dqw);
        var conv = new Node("conv", "Conv", ["x", "wf", "b"], ["y"]);
        conv.Attributes.Set("pads", AttributeValue.Of(new long[] { 1, 1, 1, 1 }));
        conv.Attributes.Set("group", AttributeValue.Of((long)ch));
        g.Nodes.Add(conv);
        g.Nodes.Add(new Node("qy", "QuantizeLinear", ["y", "ys", "yz"], ["yq"]));
        g.Outputs.Add(new ValueInfo("yq", ElementType.Undefined, null));
        var model = new Model(g);
        model.Opsets[""] = 13;
        var x = new byte[ch * 6 * 7];
        for (int i = 0; i < x.Length; i++) x[i] = (byte)rng.NextInt(256);
        var input = Tensor.Wrap(x, new Shape(1, ch, 6, 7));

        var fused = new InferenceSession(model);
        Assert.Equal(fuses, fused.Model.Graph.Nodes.Any(nd => nd.OpType == "QLinearConv"));
        Assert.Equal(!fuses, fused.Model.Graph.Nodes.Any(nd => nd.OpType == "Conv"));
        var got = fused.Run([input])[0].ToArray<byte>();
        var expected = new InferenceSession(model, optimize: false).Run([input])[0].ToArray<byte>();
        Assert.Equal(expected.Length, got.Length);
        int plane = 6 * 7;
        for (int i = 0; i < got.Length; i++)
        {
            // the dead channel exactly; the others within one step (integer vs float rounding)
            int tolerance = i / plane == 1 ? 0 : 1;
            Assert.True(Math.Abs(got[i] - expected[i]) <= tolerance, $"element {i}: {got[i]} vs {expected[i]}");
        }
        if (fuses) Assert.Equal((byte)Math.Clamp(Math.Round(deadBias / 0.05f, MidpointRounding.ToEven) + 100, 0, 255), got[plane]);
    }
}
