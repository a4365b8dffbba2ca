using Pare.Core;
using Pare.Core.Random;
using Pare.Nn.Modules;
using Pare.Nn.Presets;

namespace Pare.Nn.Tests.Modules;

public class SequenceLayerTests
{
    // float32 recurrences/attention over a few dozen terms per value, summed in another order than PyTorch's.
    private const float SmallTolerance = 2e-5f;

    // gpt-char: 4 blocks of d 128 with softmax, layer norms and GELU; errors of 1e-6 relative compound per layer.
    private const float GptTolerance = 2e-4f;

    private static Dictionary<string, Tensor> With(Module m, params (string Name, Tensor T)[] inputs)
    {
        var d = m.StateDict();
        foreach (var (n, t) in inputs) d[n] = t;
        return d;
    }

    [Fact]
    public void Lstm_two_layers_equals_pytorch()
    {
        var c = SeqFixture.Case("lstm");
        var m = new Lstm(3, 4, new Rng(0), numLayers: 2);
        SeqFixture.Load(m, c);
        var (x, h0, c0) = (SeqFixture.Input(c, "x"), SeqFixture.Input(c, "h0"), SeqFixture.Input(c, "c0"));
        var (y, h, cn) = m.Forward(x, (h0, c0));
        SeqFixture.Loss(c, [y, h, cn], SmallTolerance).Backward();
        SeqFixture.AssertGrads(c, With(m, ("x", x), ("h0", h0), ("c0", c0)), SmallTolerance);
    }

    [Fact]
    public void Gru_two_layers_equals_pytorch()
    {
        var c = SeqFixture.Case("gru");
        var m = new Gru(3, 4, new Rng(0), numLayers: 2);
        SeqFixture.Load(m, c);
        var (x, h0) = (SeqFixture.Input(c, "x"), SeqFixture.Input(c, "h0"));
        var (y, h) = m.Forward(x, h0);
        SeqFixture.Loss(c, [y, h], SmallTolerance).Backward();
        SeqFixture.AssertGrads(c, With(m, ("x", x), ("h0", h0)), SmallTolerance);
    }

    [Theory]
    [InlineData("mha_causal_padding")]
    [InlineData("mha_plain")]
    public void Multi_head_attention_equals_pytorch(string name)
    {
        var c = SeqFixture.Case(name);
        var m = new MultiHeadAttention(8, 2, new Rng(0));
        SeqFixture.Load(m, c);
        var x = SeqFixture.Input(c, "x");
        bool masked = name.Contains("causal", StringComparison.Ordinal);
        var y = m.Forward(x, masked ? SeqFixture.Mask(c, "pad") : null, causal: masked);
        SeqFixture.Loss(c, [y], SmallTolerance).Backward();
        SeqFixture.AssertGrads(c, With(m, ("x", x)), SmallTolerance);
    }

    [Theory]
    [InlineData("block_padding")]
    [InlineData("block_causal")]
    public void Transformer_block_equals_pytorch(string name)
    {
        var c = SeqFixture.Case(name);
        var m = new TransformerBlock(8, 2, new Rng(0), ffn: 32);
        SeqFixture.Load(m, c);
        var x = SeqFixture.Input(c, "x");
        bool padded = name.EndsWith("padding", StringComparison.Ordinal);
        var y = m.Forward(x, padded ? SeqFixture.Mask(c, "pad") : null, causal: !padded);
        SeqFixture.Loss(c, [y], SmallTolerance).Backward();
        SeqFixture.AssertGrads(c, With(m, ("x", x)), SmallTolerance);
    }

    [Fact]
    public void Gpt_char_equals_pytorch()
    {
        var c = SeqFixture.Case("gpt_char");
        var m = GptChar.Create(new Rng(0));
        SeqFixture.Load(m, c);
        Assert.Equal(c.GetProperty("param_count").GetInt64(), m.ParameterCount);
        var y = m.Forward(SeqFixture.Ids(c, "idx"));
        SeqFixture.Loss(c, [y], GptTolerance).Backward();
        SeqFixture.AssertGrads(c, m.StateDict(), GptTolerance);
    }

    [Fact]
    public void Resnet_small_has_pytorch_names_and_count()
    {
        var r = SeqFixture.Root.GetProperty("models").GetProperty("resnet_small");
        var m = ResNetSmall.Create(new Rng(0));
        var expected = r.GetProperty("params").EnumerateObject().Select(p => (p.Name, string.Join(",", p.Value.EnumerateArray().Select(v => v.GetInt32()))));
        var actual = m.NamedParameters().Select(p => (p.Name, string.Join(",", p.Tensor.Shape.Dims.ToArray())));
        Assert.Equal(expected.Order(), actual.Order());
        Assert.Equal(r.GetProperty("param_count").GetInt64(), m.ParameterCount);
        var y = m.Forward(Tensor.Normal([2, 3, 32, 32], 0, 1, new Rng(1)));
        Assert.Equal(new Shape(2, 10), y.Shape);
    }

    [Fact]
    public void Transformer_classifier_ignores_padding()
    {
        var m = TransformerClassifier.Create(new Rng(0), vocab: 50);
        var a = Tensor.FromSpan<long>([5, 7, 9, 0, 0, 0], [1, 6]);
        var b = Tensor.FromSpan<long>([5, 7, 9], [1, 3]);
        var ya = m.Forward(a).ToArray<float>();
        var yb = m.Forward(b).ToArray<float>();
        SeqFixture.AssertClose(yb, ya, SmallTolerance, "padded vs unpadded logits");
        Assert.Equal(new Shape(1, 2), m.Forward(a).Shape);
    }

    [Fact]
    public void Gate_mask_zeroes_hidden_units_and_gets_a_gradient()
    {
        var m = new Lstm(3, 4, new Rng(0), numLayers: 2);
        var mask = Tensor.FromSpan<float>([1f, 0f, 1f, 0f]);
        mask.RequiresGrad = true;
        m.GateMasks[1] = mask;
        var y = m.Forward(Tensor.Normal([2, 5, 3], 0, 1, new Rng(2)));
        var v = y.ToArray<float>();
        for (int i = 0; i < v.Length; i++)
            if (i % 4 is 1 or 3) Assert.Equal(0f, v[i]);
            else Assert.NotEqual(0f, v[i]);
        Pare.Core.Ops.Reduce.Sum(y).Backward();
        Assert.NotNull(mask.Grad);
        Assert.NotEqual(0f, mask.Grad!.ToArray<float>()[1]);
    }

    [Fact]
    public void Empty_sequence_returns_the_initial_state()
    {
        var (y, h, c) = new Lstm(3, 4, new Rng(0), 2).Forward(Tensor.Zeros([2, 0, 3]), null);
        Assert.Equal(new Shape(2, 0, 4), y.Shape);
        Assert.Equal(new Shape(2, 2, 4), h.Shape);
        Assert.All(c.ToArray<float>(), v => Assert.Equal(0f, v));
        var h0 = Tensor.Full([1, 2, 4], 0.5f);
        var (yg, hg) = new Gru(3, 4, new Rng(0)).Forward(Tensor.Zeros([2, 0, 3]), h0);
        Assert.Equal(new Shape(2, 0, 4), yg.Shape);
        Assert.All(hg.ToArray<float>(), v => Assert.Equal(0.5f, v));
    }

    [Fact]
    public void Bad_inputs_name_the_shapes()
    {
        var rng = new Rng(0);
        var e1 = Assert.Throws<ArgumentException>(() => new Lstm(3, 4, rng).Forward(Tensor.Zeros([2, 5, 6])));
        Assert.Contains("(2, 5, 6)", e1.Message);
        Assert.Contains("(B, T, 3)", e1.Message);
        var e2 = Assert.Throws<ArgumentException>(() => new Gru(3, 4, rng, 2).Forward(Tensor.Zeros([2, 5, 3]), Tensor.Zeros([1, 2, 4])));
        Assert.Contains("(2, 2, 4)", e2.Message);
        Assert.Contains("(1, 2, 4)", e2.Message);
        var mha = new MultiHeadAttention(8, 2, rng);
        var e3 = Assert.Throws<ArgumentException>(() => mha.Forward(Tensor.Zeros([2, 5, 8]), Tensor.Zeros([2, 4], DType.Bool), false));
        Assert.Contains("(2, 5)", e3.Message);
        Assert.Contains("(2, 4)", e3.Message);
        var e4 = Assert.Throws<ArgumentException>(() => mha.Forward(Tensor.Zeros([2, 5, 7])));
        Assert.Contains("(2, 5, 7)", e4.Message);
        Assert.Throws<ArgumentException>(() => new MultiHeadAttention(10, 3, rng));
    }
}
