using Pare.Core;
using CoreOps = Pare.Core.Ops;

namespace Pare.Graph.Ops.Onnx;

/// <summary>RotaryEmbedding (opset 23) on Core ops, so gradients flow to the input and the caches: the first
/// rotary_embedding_dim features of each head are rotated pairwise, (x1, x2) → (cos·x1 − sin·x2, sin·x1 + cos·x2),
/// pairing halves or (interleaved) neighbours; the rest pass through.</summary>
internal static class RotaryEmbedding
{
    /// <summary>Inputs X (B, H, S, D) or (B, S, H·D) with num_heads, cos_cache and sin_cache ((max position, ≥ R/2)
    /// indexed by position_ids (B, S), or (B, S, ≥ R/2) without them), optional position_ids.</summary>
    [OnnxOp("RotaryEmbedding", SinceVersion = 23)]
    public static Tensor?[] Run(OpContext c)
    {
        var (x, cos, sin, positions) = (c.Input(0), c.Input(1), c.Input(2), c.OptionalInput(3));
        if (x.DType != DType.Float32 || cos.DType != DType.Float32 || sin.DType != DType.Float32)
            throw c.Unsupported($"only float32 is supported, got {x.DType.Name()}, {cos.DType.Name()} and {sin.DType.Name()}");
        // work in (B, S, H, D): a view of 4-D input, a reshape of 3-D input
        var heads = x.Rank switch
        {
            4 => x.Permute(0, 2, 1, 3),
            3 => SplitHeads(c, x),
            _ => throw c.Fail($"input {x.Shape} must be (B, heads, S, head size) or (B, S, hidden)"),
        };
        int b = heads.Shape[0], s = heads.Shape[1], d = heads.Shape[3];
        long rotary = c.Attributes.Int("rotary_embedding_dim", 0);
        if (rotary == 0) rotary = d;
        if (rotary < 0 || rotary > d || rotary % 2 != 0)
            throw c.Fail($"rotary_embedding_dim {rotary} must be even and at most the head size {d}");
        int r = (int)rotary, half = r / 2;
        if (cos.Shape != sin.Shape) throw c.Fail($"cos_cache {cos.Shape} and sin_cache {sin.Shape} differ");
        (cos, sin) = positions is null ? (cos, sin) : (Lookup(c, cos, positions), Lookup(c, sin, positions));
        if (cos.Rank != 3 || cos.Shape[0] != b || cos.Shape[1] != s || cos.Shape[2] < half)
            throw c.Fail($"the caches give {cos.Shape} per position, need (B, S, ≥ {half}) = ({b}, {s}, ≥ {half})");
        // (B, S, 1, R/2): the same angle for every head
        cos = cos.Slice(2, 0, half).Unsqueeze(2);
        sin = sin.Slice(2, 0, half).Unsqueeze(2);

        bool interleaved = c.Attributes.Int("interleaved", 0) != 0;
        var x1 = interleaved ? heads.Slice(3, 0, r, 2) : heads.Slice(3, 0, half);
        var x2 = interleaved ? heads.Slice(3, 1, r, 2) : heads.Slice(3, half, r);
        var real = CoreOps.Elementwise.Sub(CoreOps.Elementwise.Mul(cos, x1), CoreOps.Elementwise.Mul(sin, x2));
        var imag = CoreOps.Elementwise.Add(CoreOps.Elementwise.Mul(sin, x1), CoreOps.Elementwise.Mul(cos, x2));
        var rotated = interleaved
            ? CoreOps.Assembly.Stack([real, imag], 4).Reshape(b, s, heads.Shape[2], r)
            : CoreOps.Assembly.Concat([real, imag], 3);
        var y = r == d ? rotated : CoreOps.Assembly.Concat([rotated, heads.Slice(3, r, d)], 3);
        return [x.Rank == 4 ? y.Permute(0, 2, 1, 3) : y.Reshape(x.Shape.Dims.ToArray())];
    }

    private static Tensor SplitHeads(OpContext c, Tensor x)
    {
        long n = c.Attributes.Int("num_heads", 0);
        int hidden = x.Shape[2];
        if (n <= 0 || n > int.MaxValue || hidden % n != 0)
            throw c.Fail($"3-D input {x.Shape} needs num_heads > 0 dividing its hidden size {hidden}, got {n}");
        return x.Reshape(x.Shape[0], x.Shape[1], (int)n, hidden / (int)n);
    }

    /// <returns>cache[position_ids]: (B, S, cache width)</returns>
    private static Tensor Lookup(OpContext c, Tensor cache, Tensor positions)
    {
        if (cache.Rank != 2) throw c.Fail($"with position_ids the caches must be (max position, width), got {cache.Shape}");
        if (positions.Rank != 2) throw c.Fail($"position_ids {positions.Shape} must be (B, S)");
        foreach (long p in c.Longs(positions, "position_ids"))
        {
            if (p < 0 || p >= cache.Shape[0]) throw c.Fail($"position id {p} is outside the cache of {cache.Shape[0]} positions");
        }
        return CoreOps.Indexing.Embedding(positions, cache);
    }
}
