using Pare.Core;
using CoreOps = Pare.Core.Ops;

namespace Pare.Graph.Ops.Onnx;

/// <summary>Attention (opset 23, 24): Y = softmax(softcap(scale · Q·Kᵀ) + bias) · V on Core ops, so gradients flow
/// to Q, K, V, the past cache and a float mask. Grouped-query attention needs no repeated K/V: the H_q / H_kv query
/// heads that share a KV head are consecutive, so (B, H_q, S, D) is viewed as (B, H_kv, g·S, D) and multiplied with
/// that head's K directly.</summary>
internal static class Attention
{
    /// <summary>Inputs Q, K, V ((B, H, L, D) each, or (B, L, H·D) with q_num_heads / kv_num_heads), optional attn_mask,
    /// past_key, past_value and (opset 24) nonpad_kv_seqlen. Outputs Y, present_key, present_value and
    /// qk_matmul_output: 0 = scale·Q·Kᵀ, 1 = after softcap, 2 = after softcap and bias, 3 = after softmax.</summary>
    [OnnxOp("Attention", SinceVersion = 23)]
    public static Tensor?[] Run(OpContext c)
    {
        var (q, k, v) = (c.Input(0), c.Input(1), c.Input(2));
        var (pastKey, pastValue) = (c.OptionalInput(4), c.OptionalInput(5));
        var nonpad = c.Opset >= 24 ? c.OptionalInput(6) : null;
        foreach (var x in new[] { q, k, v, pastKey, pastValue })
        {
            if (x is not null && x.DType != DType.Float32) throw c.Unsupported($"only float32 is supported, got {x.DType.Name()}");
        }
        if (q.Rank is not (3 or 4) || k.Rank != q.Rank || v.Rank != q.Rank)
            throw c.Fail($"Q {q.Shape}, K {k.Shape} and V {v.Shape} must be all 3-D (B, L, hidden) or all 4-D (B, heads, L, head size)");
        bool packed = q.Rank == 3;
        var attrs = c.Attributes;
        if (packed) (q, k, v) = SplitHeads(c, q, k, v);
        else CheckHeadAttributes(c, q, k);
        CheckShapes(c, q, k, v);
        if ((pastKey is null) != (pastValue is null)) throw c.Fail("past_key and past_value must be given together");
        int past = 0;
        if (pastKey is not null && pastValue is not null)
        {
            CheckPast(c, pastKey, pastValue, k, v);
            past = pastKey.Shape[2];
            k = CoreOps.Assembly.Concat([pastKey, k], 2);
            v = CoreOps.Assembly.Concat([pastValue, v], 2);
        }
        int b = q.Shape[0], hq = q.Shape[1], s = q.Shape[2], d = q.Shape[3], hkv = k.Shape[1], t = k.Shape[2], dv = v.Shape[3];
        int group = hq / hkv;

        float scale = attrs.Has("scale") ? attrs.Float("scale", 1f) : d > 0 ? 1f / MathF.Sqrt(d) : 1f;
        var grouped = CoreOps.Elementwise.Mul(q, scale).Reshape(b, hkv, group * s, d);
        var scores = CoreOps.Linalg.MatMul(grouped, k.Transpose(-1, -2)).Reshape(b, hq, s, t);
        float softcap = attrs.Float("softcap", 0f);
        // softcap · tanh(x / softcap) is odd in softcap, so a negative one caps the same way
        var capped = softcap == 0f ? scores : CoreOps.Elementwise.Mul(CoreOps.Elementwise.Tanh(CoreOps.Elementwise.Div(scores, softcap)), softcap);
        var bias = AttentionBias.Build(c, c.OptionalInput(3), nonpad, attrs.Int("is_causal", 0) != 0, (b, hq, s, t, past));
        var biased = bias.Bias is null ? capped : CoreOps.Elementwise.Add(capped, bias.Bias);
        var probs = Softmax(biased, bias.MaskedRows);
        var y = CoreOps.Linalg.MatMul(probs.Reshape(b, hkv, group * s, t), v).Reshape(b, hq, s, dv);
        if (packed) y = y.Permute(0, 2, 1, 3).Reshape(b, s, hq * dv);

        long mode = attrs.Int("qk_matmul_output_mode", 0);
        Tensor? qk = !c.WantsOutput(3) ? null : mode switch
        {
            0 => scores,
            1 => capped,
            2 => biased,
            3 => probs,
            _ => throw c.Fail($"qk_matmul_output_mode {mode} is not one of 0 (QKᵀ), 1 (softcap), 2 (bias), 3 (softmax)"),
        };
        return [y, k, v, qk];
    }

    // rows whose bias is −inf everywhere get probability 0 (not 0/0 = NaN): their logits are zeroed before the
    // softmax so it stays finite, and its output is then masked; both Where's pass gradients where the row is live
    private static Tensor Softmax(Tensor logits, Tensor? maskedRows)
    {
        if (maskedRows is null) return CoreOps.SoftmaxOps.Softmax(logits, -1);
        var zero = Tensor.Scalar(0f);
        var probs = CoreOps.SoftmaxOps.Softmax(CoreOps.Elementwise.Where(maskedRows, zero, logits), -1);
        return CoreOps.Elementwise.Where(maskedRows, zero, probs);
    }

    /// <summary>(B, L, H·D) → (B, H, L, D) for Q with q_num_heads and K, V with kv_num_heads.</summary>
    private static (Tensor Q, Tensor K, Tensor V) SplitHeads(OpContext c, Tensor q, Tensor k, Tensor v)
    {
        if (!c.Attributes.Has("q_num_heads") || !c.Attributes.Has("kv_num_heads"))
            throw c.Fail("3-D Q, K, V need the q_num_heads and kv_num_heads attributes");
        long hq = c.Attributes.Int("q_num_heads"), hkv = c.Attributes.Int("kv_num_heads");
        return (Split(c, q, hq, "Q", "q_num_heads"), Split(c, k, hkv, "K", "kv_num_heads"), Split(c, v, hkv, "V", "kv_num_heads"));
    }

    private static Tensor Split(OpContext c, Tensor x, long heads, string name, string attribute)
    {
        int hidden = x.Shape[2];
        if (heads <= 0 || heads > int.MaxValue || hidden % heads != 0)
            throw c.Fail($"{name} {x.Shape}: hidden size {hidden} is not a multiple of {attribute} = {heads}");
        return x.Reshape(x.Shape[0], x.Shape[1], (int)heads, hidden / (int)heads).Permute(0, 2, 1, 3);
    }

    // with 4-D inputs the head counts are the shapes; attributes, when given anyway, must agree
    private static void CheckHeadAttributes(OpContext c, Tensor q, Tensor k)
    {
        long hq = c.Attributes.Int("q_num_heads", q.Shape[1]), hkv = c.Attributes.Int("kv_num_heads", k.Shape[1]);
        if (hq != q.Shape[1] || hkv != k.Shape[1])
            throw c.Fail($"q_num_heads = {hq} and kv_num_heads = {hkv} disagree with Q {q.Shape} and K {k.Shape}");
    }

    private static void CheckShapes(OpContext c, Tensor q, Tensor k, Tensor v)
    {
        string shapes = $"Q {q.Shape}, K {k.Shape}, V {v.Shape} (as (B, heads, L, head size))";
        if (k.Shape[0] != q.Shape[0] || v.Shape[0] != q.Shape[0]) throw c.Fail($"batch sizes differ: {shapes}");
        if (k.Shape[1] != v.Shape[1] || k.Shape[2] != v.Shape[2]) throw c.Fail($"K and V must have the same heads and length: {shapes}");
        if (k.Shape[3] != q.Shape[3]) throw c.Fail($"Q and K head sizes differ: {shapes}");
        if (k.Shape[1] == 0 || q.Shape[1] % k.Shape[1] != 0)
            throw c.Fail($"the {q.Shape[1]} query heads cannot be grouped over {k.Shape[1]} key/value heads: {shapes}");
    }

    private static void CheckPast(OpContext c, Tensor pastKey, Tensor pastValue, Tensor k, Tensor v)
    {
        bool ok = pastKey.Rank == 4 && pastValue.Rank == 4
            && pastKey.Shape[0] == k.Shape[0] && pastKey.Shape[1] == k.Shape[1] && pastKey.Shape[3] == k.Shape[3]
            && pastValue.Shape[0] == v.Shape[0] && pastValue.Shape[1] == v.Shape[1] && pastValue.Shape[3] == v.Shape[3]
            && pastKey.Shape[2] == pastValue.Shape[2];
        if (!ok)
            throw c.Fail($"past_key {pastKey.Shape} and past_value {pastValue.Shape} must be (B, kv heads, P, head size) matching K {k.Shape} and V {v.Shape}");
    }
}
