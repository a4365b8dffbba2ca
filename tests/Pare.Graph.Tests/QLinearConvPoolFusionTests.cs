using Pare.Core;
using Pare.Core.Random;
using Pare.Graph.Execution;

namespace Pare.Graph.Tests;

/// <summary>QLinearConv → MaxPool(2×2, stride 2) fused into com.pare QLinearConvMaxPool gives the same bytes as the two
/// ops run apart: the few-tap conv that pools its int32 sums (and its fallback when a weight scale is negative), the
/// GEMM conv that pools its NHWC bytes, uint8 and int8, odd output sizes.</summary>
public class QLinearConvPoolFusionTests
{
    [Theory]
    [InlineData(1, 3, 1, false, false)]  // few taps: pooled int32 sums
    [InlineData(3, 3, 0, true, false)]
    [InlineData(1, 3, 1, false, true)]   // a negative weight scale: max and requantization do not commute, bytes pooled
    [InlineData(8, 3, 1, false, false)]  // 72 taps: the GEMM, pooled NHWC bytes
    [InlineData(8, 3, 0, true, false)]
    public void Fused_equals_conv_then_pool(int ch, int k, int pad, bool signed, bool negativeScale)
    {
        var rng = new Rng((ulong)(ch * 100 + k * 10 + pad + (signed ? 7 : 0) + (negativeScale ? 13 : 0)));
        int n = 3, h = 11, w = 13, m = 6;
        var x = Enumerable.Range(0, n * ch * h * w).Select(_ => rng.NextInt(256)).ToArray();
        var xt = signed ? Tensor.Wrap(x.Select(v => (sbyte)(v - 128)).ToArray(), new Shape(n, ch, h, w)) : Tensor.Wrap(x.Select(v => (byte)v).ToArray(), new Shape(n, ch, h, w));
        var wt = Tensor.Wrap(Enumerable.Range(0, m * ch * k * k).Select(_ => (sbyte)(rng.NextInt(255) - 127)).ToArray(), new Shape(m, ch, k, k));
        var ws = Enumerable.Range(0, m).Select(j => (negativeScale && j == 2 ? -1 : 1) * (0.01f + rng.NextFloat() * 0.02f)).ToArray();
        var bias = Tensor.Wrap(Enumerable.Range(0, m).Select(_ => rng.NextInt(2001) - 1000).ToArray(), new Shape(m));
        Tensor Zero(int v) => signed ? Tensor.Wrap(new[] { (sbyte)v }, default) : Tensor.Wrap(new[] { (byte)v }, default);
        var inputs = new[] { xt, Tensor.Scalar(0.05f), Zero(signed ? -3 : 125), wt, Tensor.Wrap(ws, new Shape(m)), Tensor.Wrap(new sbyte[m], new Shape(m)),
            Tensor.Scalar(0.2f), Zero(signed ? 2 : 118), bias };

        var fused = new InferenceSession(Model(inputs, pad, pool: true));
        Assert.Contains(fused.Model.Graph.Nodes, node => node.OpType == "QLinearConvMaxPool");
        var y = fused.Run(inputs)[0];
        var conv = new InferenceSession(Model(inputs, pad, pool: false)).Run(inputs)[0];

        int oh = conv.Dim(2), ow = conv.Dim(3);
        Assert.Equal(new Shape(n, m, oh / 2, ow / 2), y.Shape);
        var c = Values(conv);
        var expected = new int[y.Count];
        for (int p = 0; p < n * m; p++)
            for (int oy = 0; oy < oh / 2; oy++)
                for (int ox = 0; ox < ow / 2; ox++)
                {
                    int at(int dy, int dx) => c[(p * oh + 2 * oy + dy) * ow + 2 * ox + dx];
                    expected[(p * (oh / 2) + oy) * (ow / 2) + ox] = Math.Max(Math.Max(at(0, 0), at(0, 1)), Math.Max(at(1, 0), at(1, 1)));
                }
        Assert.Equal(expected, Values(y));
    }

    private static int[] Values(Tensor t) => t.DType == DType.Int8 ? t.AsSpan<sbyte>().ToArray().Select(v => (int)v).ToArray() : t.AsSpan<byte>().ToArray().Select(v => (int)v).ToArray();

    // x and the conv's parameters as graph inputs except the weight and its parameters (initializers, as in a real model)
    private static Model Model(Tensor[] inputs, int pad, bool pool)
    {
        var g = new ModelGraph { Name = "g" };
        var names = new List<string>();
        for (int i = 0; i < inputs.Length; i++)
        {
            g.Inputs.Add(new ValueInfo($"x{i}", ElementTypes.FromDType(inputs[i].DType), null));
            names.Add($"x{i}");
        }
        var conv = new Node("conv", "QLinearConv", names, [pool ? "c" : "y"]);
        conv.Attributes.Set("pads", AttributeValue.Of(new long[] { pad, pad, pad, pad }));
        g.Nodes.Add(conv);
        if (pool)
        {
            var mp = new Node("pool", "MaxPool", ["c"], ["y"]);
            mp.Attributes.Set("kernel_shape", AttributeValue.Of(new long[] { 2, 2 }));
            mp.Attributes.Set("strides", AttributeValue.Of(new long[] { 2, 2 }));
            g.Nodes.Add(mp);
        }
        g.Outputs.Add(new ValueInfo("y", ElementType.Undefined, null));
        var model = new Model(g);
        model.Opsets[""] = 13;
        return model;
    }
}
