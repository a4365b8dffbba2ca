using Pare.Core;
using Pare.Core.Kernels.QGemm;
using Pare.Core.Random;
using Pare.Graph.Execution;
using Pare.Graph.Ops.Onnx;

namespace Pare.Graph.Tests.Ops;

/// <summary>The integer-GEMM fast paths of QLinearConv, QLinearMatMul, ConvInteger and MatMulInteger against plain
/// loops written here: groups, strides, dilation, pads, per-channel weight scales and zero points, int8 and uint8
/// activations, bias, batched A.</summary>
public class QuantizedGemmTests
{
    private static Tensor[] Run(string op, Tensor?[] inputs, params (string Name, AttributeValue Value)[] attributes)
    {
        var g = new ModelGraph { Name = "g" };
        var names = new List<string>();
        var given = new List<Tensor>();
        for (int i = 0; i < inputs.Length; i++)
        {
            if (inputs[i] is not { } t) { names.Add(""); continue; }
            g.Inputs.Add(new ValueInfo($"x{i}", ElementTypes.FromDType(t.DType), null));
            names.Add($"x{i}");
            given.Add(t);
        }
        var node = new Node("q", op, names, ["y"]);
        foreach (var (name, value) in attributes) node.Attributes.Set(name, value);
        g.Nodes.Add(node);
        g.Outputs.Add(new ValueInfo("y", ElementType.Undefined, null));
        var model = new Model(g);
        model.Opsets[""] = 13;
        return new InferenceSession(model).Run(given.ToArray());
    }

    [Theory]
    [InlineData(false, 1, 1, 0, 1)]
    [InlineData(true, 2, 2, 1, 1)]
    [InlineData(false, 3, 1, 2, 2)]
    [InlineData(true, 1, 2, 1, 3)]
    [InlineData(true, 1, 1, 1, 1)] // 27 taps, stride 1, int8 x: the few-tap direct conv
    [InlineData(false, 1, 1, 2, 2)]
    public void QLinearConv_matches_plain_loops(bool signedX, int groups, int stride, int pad, int dilation)
    {
        var rng = new Rng((ulong)(groups * 100 + stride * 10 + pad + dilation * 1000));
        int n = 2, ch = 3 * groups, h = 9, w = 11, m = 4 * groups, k = 3;
        var x = Random(rng, n * ch * h * w, signedX);
        var wt = Random(rng, m * ch / groups * k * k, signed: true);
        float xs = 0.05f, ys = 0.11f;
        var wsc = Enumerable.Range(0, m).Select(_ => 0.01f + rng.NextFloat() * 0.02f).ToArray();
        var wz = new sbyte[m];
        var bias = Enumerable.Range(0, m).Select(_ => rng.NextInt(2001) - 1000).ToArray();
        int xz = signedX ? -3 : 130, yz = signedX ? 4 : 120;
        var xt = signedX ? Tensor.Wrap(x.Select(v => (sbyte)v).ToArray(), new Shape(n, ch, h, w)) : Tensor.Wrap(x.Select(v => (byte)v).ToArray(), new Shape(n, ch, h, w));
        var y = Run("QLinearConv",
            [xt, Tensor.Scalar(xs), Zero(xz, signedX), Tensor.Wrap(wt.Select(v => (sbyte)v).ToArray(), new Shape(m, ch / groups, k, k)),
             Tensor.Wrap(wsc, new Shape(m)), Tensor.Wrap(wz, new Shape(m)), Tensor.Scalar(ys), Zero(yz, signedX), Tensor.Wrap(bias, new Shape(m))],
            ("group", AttributeValue.Of((long)groups)), ("strides", AttributeValue.Of(new long[] { stride, stride })),
            ("pads", AttributeValue.Of(new long[] { pad, pad, pad, pad })), ("dilations", AttributeValue.Of(new long[] { dilation, dilation })))[0];

        var s = new Spatial([k, k], [stride, stride], [dilation, dilation], [pad, pad], [pad, pad]);
        var (acc, shape) = IntegerKernels.Conv2d(x.Select(v => v - xz).ToArray(), new Shape(n, ch, h, w), wt, new Shape(m, ch / groups, k, k), s, groups);
        Assert.Equal(shape, y.Shape);
        int plane = shape[2] * shape[3];
        var got = signedX ? y.ToArray<sbyte>().Select(v => (int)v).ToArray() : y.ToArray<byte>().Select(v => (int)v).ToArray();
        for (int i = 0; i < acc.Length; i++)
        {
            int oc = i / plane % m;
            int expected = QGemm.Requantize(acc[i] + bias[oc], xs * wsc[oc] / ys, yz, signedX ? -128 : 0, signedX ? 127 : 255);
            Assert.True(expected == got[i], $"element {i}: {got[i]} vs {expected}");
        }
    }

    // depthwise (group = C, one filter per channel: the direct QDepthwiseConv) and 1×1 (the NHWC input is the GEMM's A)
    [Theory]
    [InlineData(false, true, 3, 1, 1, 1)]
    [InlineData(true, true, 5, 2, 2, 1)]
    [InlineData(false, true, 3, 2, 1, 2)]
    [InlineData(true, true, 3, 1, 0, 1)]
    [InlineData(false, false, 1, 1, 0, 1)]
    [InlineData(true, false, 1, 2, 0, 1)]
    public void Depthwise_and_pointwise_QLinearConv_match_plain_loops(bool signedX, bool depthwise, int k, int stride, int pad, int dilation)
    {
        var rng = new Rng((ulong)(k * 100 + stride * 10 + pad + dilation * 1000 + (signedX ? 7 : 0)));
        int n = 2, ch = 19, h = 7, w = 29, m = depthwise ? ch : 21, groups = depthwise ? ch : 1, cg = ch / groups;
        var x = Random(rng, n * ch * h * w, signedX);
        var wt = Random(rng, m * cg * k * k, signed: true);
        float xs = 0.05f, ys = 0.11f;
        var wsc = Enumerable.Range(0, m).Select(_ => 0.01f + rng.NextFloat() * 0.02f).ToArray();
        var wz = new sbyte[m];
        var bias = Enumerable.Range(0, m).Select(_ => rng.NextInt(2001) - 1000).ToArray();
        int xz = signedX ? -3 : 130, yz = signedX ? 4 : 120;
        var xt = signedX ? Tensor.Wrap(x.Select(v => (sbyte)v).ToArray(), new Shape(n, ch, h, w)) : Tensor.Wrap(x.Select(v => (byte)v).ToArray(), new Shape(n, ch, h, w));
        var y = Run("QLinearConv",
            [xt, Tensor.Scalar(xs), Zero(xz, signedX), Tensor.Wrap(wt.Select(v => (sbyte)v).ToArray(), new Shape(m, cg, k, k)),
             Tensor.Wrap(wsc, new Shape(m)), Tensor.Wrap(wz, new Shape(m)), Tensor.Scalar(ys), Zero(yz, signedX), Tensor.Wrap(bias, new Shape(m))],
            ("group", AttributeValue.Of((long)groups)), ("strides", AttributeValue.Of(new long[] { stride, stride })),
            ("pads", AttributeValue.Of(new long[] { pad, pad, pad, pad })), ("dilations", AttributeValue.Of(new long[] { dilation, dilation })))[0];

        var s = new Spatial([k, k], [stride, stride], [dilation, dilation], [pad, pad], [pad, pad]);
        var (acc, shape) = IntegerKernels.Conv2d(x.Select(v => v - xz).ToArray(), new Shape(n, ch, h, w), wt, new Shape(m, cg, k, k), s, groups);
        Assert.Equal(shape, y.Shape);
        int plane = shape[2] * shape[3];
        var got = signedX ? y.ToArray<sbyte>().Select(v => (int)v).ToArray() : y.ToArray<byte>().Select(v => (int)v).ToArray();
        for (int i = 0; i < acc.Length; i++)
        {
            int oc = i / plane % m;
            int expected = QGemm.Requantize(acc[i] + bias[oc], xs * wsc[oc] / ys, yz, signedX ? -128 : 0, signedX ? 127 : 255);
            Assert.True(expected == got[i], $"element {i}: {got[i]} vs {expected}");
        }
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void QLinearMatMul_and_MatMulInteger_match_plain_loops(bool signedA)
    {
        var rng = new Rng(signedA ? 1UL : 2UL);
        int batch = 3, m = 5, k = 37, n = 41;
        var a = Random(rng, batch * m * k, signedA);
        var b = Random(rng, k * n, signed: false);
        int az = signedA ? 7 : 200;
        var bz = Enumerable.Range(0, n).Select(_ => (byte)rng.NextInt(256)).ToArray();
        var at = signedA ? Tensor.Wrap(a.Select(v => (sbyte)v).ToArray(), new Shape(batch, m, k)) : Tensor.Wrap(a.Select(v => (byte)v).ToArray(), new Shape(batch, m, k));
        var bt = Tensor.Wrap(b.Select(v => (byte)v).ToArray(), new Shape(k, n));
        var bzt = Tensor.Wrap(bz, new Shape(n));
        var acc = new int[batch * m * n];
        for (int r = 0; r < batch * m; r++)
            for (int j = 0; j < n; j++)
                for (int p = 0; p < k; p++) acc[r * n + j] += (a[r * k + p] - az) * (b[p * n + j] - bz[j]);

        var yi = Run("MatMulInteger", [at, bt, Zero(az, signedA), bzt])[0];
        Assert.Equal(acc, yi.ToArray<int>());

        var bs = Enumerable.Range(0, n).Select(_ => 0.001f + rng.NextFloat() * 0.01f).ToArray();
        float asc = 0.02f, ys = 0.3f;
        var yq = Run("QLinearMatMul", [at, Tensor.Scalar(asc), Zero(az, signedA), bt, Tensor.Wrap(bs, new Shape(n)), bzt, Tensor.Scalar(ys), Zero(10, signedA)])[0];
        var got = signedA ? yq.ToArray<sbyte>().Select(v => (int)v).ToArray() : yq.ToArray<byte>().Select(v => (int)v).ToArray();
        for (int i = 0; i < acc.Length; i++)
            Assert.Equal(QGemm.Requantize(acc[i], asc * bs[i % n] / ys, 10, signedA ? -128 : 0, signedA ? 127 : 255), got[i]);
    }

    [Fact]
    public void MatMulNBits_unpacks_nibbles_low_first_with_packed_zero_points()
    {
        // K = 80 with block 32: three blocks (the last one padded), zero points packed two per byte
        int m = 3, k = 80, n = 5, bs = 32, blocks = 3;
        var rng = new Rng(21);
        var codes = Enumerable.Range(0, n * blocks * bs / 2).Select(_ => (byte)rng.NextInt(256)).ToArray();
        var scales = Enumerable.Range(0, n * blocks).Select(_ => rng.NextFloat()).ToArray();
        var zp = Enumerable.Range(0, n * blocks).Select(_ => (byte)rng.NextInt(16)).ToArray();
        var packedZp = new byte[n * 2];
        for (int j = 0; j < n; j++)
            for (int g = 0; g < blocks; g++) packedZp[j * 2 + g / 2] |= (byte)(zp[j * blocks + g] << (g % 2 * 4));
        var a = Enumerable.Range(0, m * k).Select(_ => rng.NextFloat() - 0.5f).ToArray();
        var g2 = new ModelGraph { Name = "g" };
        g2.Inputs.Add(new ValueInfo("a", ElementTypes.FromDType(DType.Float32), null));
        var node = new Node("nb", "MatMulNBits", ["a", "b", "s", "z"], ["y"]) { Domain = "com.microsoft" };
        node.Attributes.Set("K", AttributeValue.Of((long)k));
        node.Attributes.Set("N", AttributeValue.Of((long)n));
        node.Attributes.Set("bits", AttributeValue.Of(4L));
        node.Attributes.Set("block_size", AttributeValue.Of((long)bs));
        g2.Nodes.Add(node);
        g2.Initializers["b"] = Tensor.Wrap(codes, new Shape(n, blocks, bs / 2));
        g2.Initializers["s"] = Tensor.Wrap(scales, new Shape(n * blocks));
        g2.Initializers["z"] = Tensor.Wrap(packedZp, new Shape(n * 2));
        g2.Outputs.Add(new ValueInfo("y", ElementType.Undefined, null));
        var model = new Model(g2);
        model.Opsets[""] = 17;
        model.Opsets["com.microsoft"] = 1;
        var y = new InferenceSession(model).Run([Tensor.Wrap(a, new Shape(m, k))])[0];
        var expected = Int4Gemm.Reference(m, n, k, a, codes, scales, zp, bs);
        var got = y.ToArray<float>();
        for (int i = 0; i < expected.Length; i++) Assert.Equal(expected[i], got[i], 1e-4f);
    }

    private static Tensor Zero(int v, bool signed) => signed ? Tensor.Wrap(new[] { (sbyte)v }, default) : Tensor.Wrap(new[] { (byte)v }, default);

    private static int[] Random(Rng rng, int count, bool signed)
    {
        var v = new int[count];
        for (int i = 0; i < count; i++) v[i] = rng.NextInt(256) - (signed ? 128 : 0);
        return v;
    }
}
