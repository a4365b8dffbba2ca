using Pare.Core;
using CoreOps = Pare.Core.Ops;

namespace Pare.Graph.Ops.Onnx;

/// <summary>The additive bias Attention puts on its scores before the softmax, broadcastable to (B, H_q, S, T):
/// attn_mask (bool: false → −inf; float: added as is; a last dimension shorter than T is padded with −inf),
/// the causal frontier and the nonpad_kv_seqlen padding mask. <see cref="MaskedRows"/> marks the rows whose bias is
/// −inf everywhere: their softmax would be 0/0, and ONNX defines their probabilities as zero instead.</summary>
internal sealed record AttentionBias(Tensor? Bias, Tensor? MaskedRows)
{
    /// <param name="c">the Attention node</param>
    /// <param name="mask">attn_mask: bool or float32, broadcastable to (B, H_q, S, ≤T)</param>
    /// <param name="nonpad">nonpad_kv_seqlen (B) int64: keys at or past it are padding</param>
    /// <param name="causal">is_causal</param>
    /// <param name="dims">batch B, query heads H_q, query length S, total key length T, past length P</param>
    public static AttentionBias Build(OpContext c, Tensor? mask, Tensor? nonpad, bool causal, (int B, int Hq, int S, int T, int Past) dims)
    {
        var (b, hq, s, t, past) = dims;
        long[]? lengths = nonpad is null ? null : NonPadLengths(c, nonpad, b);
        Tensor? bias = mask is null ? null : Mask(c, mask, (b, hq, s, t));
        if (causal)
        {
            // bottom-right aligned: query i (of this block) sees key j iff j ≤ i + offset, where offset counts the valid
            // keys before the block: the past length, or per batch nonpad_kv_seqlen − S for an external (static) cache
            var frontier = lengths is not null && past == 0
                ? Causal(b, s, t, batch => lengths[batch] - s)
                : Causal(1, s, t, _ => past);
            bias = bias is null ? frontier : CoreOps.Elementwise.Add(bias, frontier);
        }
        if (lengths is not null)
        {
            var padding = Padding(lengths, t);
            bias = bias is null ? padding : CoreOps.Elementwise.Add(bias, padding);
        }
        return new AttentionBias(bias, bias is null ? null : FullyMaskedRows(bias));
    }

    // float masks stay in the graph (a learned bias gets its gradient); bool masks become constant 0 / −inf
    private static Tensor Mask(OpContext c, Tensor mask, (int B, int Hq, int S, int T) dims)
    {
        if (mask.DType is not (DType.Bool or DType.Float32))
            throw c.Fail($"attn_mask must be bool or float like Q, got {mask.DType.Name()}");
        int[] expected = [dims.B, dims.Hq, dims.S];
        if (mask.Rank is < 1 or > 4) throw c.Fail($"attn_mask {mask.Shape} must have rank 1 to 4 and broadcast to (B, q_num_heads, S, T)");
        for (int a = 1; a < mask.Rank; a++)
        {
            int size = mask.Shape[mask.Rank - 1 - a], want = expected[^a];
            if (size != 1 && size != want)
                throw c.Fail($"attn_mask {mask.Shape} does not broadcast to (B, q_num_heads, S, T) = ({dims.B}, {dims.Hq}, {dims.S}, {dims.T})");
        }
        int width = mask.Shape[-1];
        if (width > dims.T) throw c.Fail($"attn_mask {mask.Shape} covers {width} keys but there are only {dims.T} (past + new)");
        if (mask.DType == DType.Float32)
            return width == dims.T ? mask : CoreOps.Assembly.Pad(mask, [0, dims.T - width], CoreOps.PadMode.Constant, float.NegativeInfinity);
        var keep = mask.Contiguous().AsSpan<bool>();
        var outDims = mask.Shape.Dims.ToArray();
        outDims[^1] = dims.T;
        int rows = width == 0 ? 0 : keep.Length / width;
        var bias = new float[rows * dims.T];
        Array.Fill(bias, float.NegativeInfinity);
        for (int r = 0; r < rows; r++)
        {
            for (int j = 0; j < width; j++)
                if (keep[r * width + j]) bias[r * dims.T + j] = 0f;
        }
        return Tensor.Wrap(bias, new Shape(outDims));
    }

    private static long[] NonPadLengths(OpContext c, Tensor nonpad, int batch)
    {
        if (nonpad.Rank != 1 || nonpad.Shape[0] != batch)
            throw c.Fail($"nonpad_kv_seqlen {nonpad.Shape} must be one length per batch entry ({batch})");
        return c.Longs(nonpad, "nonpad_kv_seqlen");
    }

    /// <returns>(S, T) when <paramref name="batch"/> is 1, else (B, 1, S, T): 0 where key j ≤ i + offset, else −inf</returns>
    private static Tensor Causal(int batch, int s, int t, Func<int, long> offset)
    {
        var bias = new float[batch * s * t];
        for (int b = 0; b < batch; b++)
        {
            long shift = offset(b);
            for (int i = 0; i < s; i++)
            {
                var row = bias.AsSpan((b * s + i) * t, t);
                for (int j = 0; j < t; j++) row[j] = j <= i + shift ? 0f : float.NegativeInfinity;
            }
        }
        return batch == 1 ? Tensor.Wrap(bias, new Shape(s, t)) : Tensor.Wrap(bias, new Shape(batch, 1, s, t));
    }

    /// <returns>(B, 1, 1, T): 0 for the first nonpad_kv_seqlen[b] keys, −inf after</returns>
    private static Tensor Padding(long[] lengths, int t)
    {
        var bias = new float[lengths.Length * t];
        for (int b = 0; b < lengths.Length; b++)
        {
            for (int j = 0; j < t; j++) bias[b * t + j] = j < lengths[b] ? 0f : float.NegativeInfinity;
        }
        return Tensor.Wrap(bias, new Shape(lengths.Length, 1, 1, t));
    }

    /// <returns>bias shape with the last dimension 1: true where the whole row is −inf; null when no row is</returns>
    private static Tensor? FullyMaskedRows(Tensor bias)
    {
        int t = bias.Shape[-1];
        if (t == 0) return null;
        var values = bias.Detach().Contiguous().AsSpan<float>();
        var masked = new bool[values.Length / t];
        bool any = false;
        for (int r = 0; r < masked.Length; r++)
        {
            var row = values.Slice(r * t, t);
            bool all = true;
            foreach (float v in row)
            {
                if (v != float.NegativeInfinity) { all = false; break; }
            }
            masked[r] = all;
            any |= all;
        }
        if (!any) return null;
        var dims = bias.Shape.Dims.ToArray();
        dims[^1] = 1;
        return Tensor.Wrap(masked, new Shape(dims));
    }
}
