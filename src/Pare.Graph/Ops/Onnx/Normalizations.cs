using Pare.Core;
using CoreOps = Pare.Core.Ops;

namespace Pare.Graph.Ops.Onnx;

/// <summary>Layer, RMS, instance, group, mean-variance and Lp normalization, each built on the Core normalization,
/// reduction and elementwise ops so gradients flow.</summary>
internal static class Normalizations
{
    /// <summary>Normalizes over the dims from <c>axis</c> on; optional outputs Mean and InvStdDev have the input's
    /// shape with those dims set to 1. Statistics are computed in float32 whatever stash_type says.</summary>
    [OnnxOp("LayerNormalization")]
    public static Tensor?[] LayerNormalization(OpContext c)
    {
        var x = c.Input(0);
        int axis = c.Axis(c.Attributes.Int("axis", -1), x.Rank);
        float eps = c.Attributes.Float("epsilon", 1e-5f);
        var norm = x.Shape.Dims[axis..].ToArray();
        var scale = Fit(c, c.Input(1), norm, "Scale");
        var bias = c.OptionalInput(2) is { } b ? Fit(c, b, norm, "B") : null;
        var y = CoreOps.Normalization.LayerNorm(x, norm, scale, bias, eps);
        if (!c.WantsOutput(1) && !c.WantsOutput(2)) return [y];
        int[] axes = [.. Enumerable.Range(axis, x.Rank - axis)];
        var mean = CoreOps.Reduce.Mean(x, axes, keepDims: true);
        var invStd = CoreOps.Elementwise.Rsqrt(CoreOps.Elementwise.Add(CoreOps.Reduce.Var(x, axes, correction: 0, keepDims: true), eps));
        return [y, mean, invStd];
    }

    /// <summary>RMSNormalization (opset 23): x / √(mean(x²) + ε) · Scale over the dims from <c>axis</c>, Scale
    /// broadcasting over them.</summary>
    [OnnxOp("RMSNormalization", SinceVersion = 23)]
    public static Tensor?[] RmsNormalization(OpContext c)
    {
        var x = c.Input(0);
        int axis = c.Axis(c.Attributes.Int("axis", -1), x.Rank);
        float eps = c.Attributes.Float("epsilon", 1e-5f);
        var scale = Fit(c, c.Input(1), x.Shape.Dims[axis..].ToArray(), "scale");
        int[] axes = [.. Enumerable.Range(axis, x.Rank - axis)];
        var meanSquare = CoreOps.Reduce.Mean(CoreOps.Elementwise.Mul(x, x), axes, keepDims: true);
        var normalized = CoreOps.Elementwise.Mul(x, CoreOps.Elementwise.Rsqrt(CoreOps.Elementwise.Add(meanSquare, eps)));
        return [CoreOps.Elementwise.Mul(normalized, scale)];
    }

    /// <summary>Per (sample, channel) normalization of (N, C, *) with per-channel scale and bias.</summary>
    [OnnxOp("InstanceNormalization")]
    public static Tensor?[] InstanceNormalization(OpContext c)
    {
        var x = c.Input(0);
        if (x.Rank < 2) throw c.Fail($"input shape {x.Shape} needs at least (N, C)");
        float eps = c.Attributes.Float("epsilon", 1e-5f);
        return [CoreOps.Normalization.GroupNorm(x, x.Shape.Dims[1], c.Input(1), c.Input(2), eps)];
    }

    /// <summary>Per (sample, group) normalization. Scale and bias are per channel (C) from opset 21 and per group
    /// (G) in opsets 18–20, where each group's value is repeated over its channels.</summary>
    [OnnxOp("GroupNormalization", SinceVersion = 18)]
    public static Tensor?[] GroupNormalization(OpContext c)
    {
        var x = c.Input(0);
        if (x.Rank < 2) throw c.Fail($"input shape {x.Shape} needs at least (N, C)");
        int groups = c.Attributes.Int32("num_groups", 0);
        int channels = x.Shape.Dims[1];
        if (groups < 1 || channels % groups != 0) throw c.Fail($"num_groups {groups} does not divide the {channels} channels");
        float eps = c.Attributes.Float("epsilon", 1e-5f);
        var scale = c.Input(1);
        var bias = c.Input(2);
        if (c.Opset < 21)
        {
            scale = PerChannel(c, scale, groups, channels, "scale");
            bias = PerChannel(c, bias, groups, channels, "bias");
        }
        return [CoreOps.Normalization.GroupNorm(x, groups, scale, bias, eps)];
    }

    /// <summary>(x − mean) / (σ + 1e-9) over <c>axes</c> (default 0, 2, 3), σ the biased standard deviation; the
    /// 1e-9 is the one in ONNX's function body.</summary>
    [OnnxOp("MeanVarianceNormalization")]
    public static Tensor?[] MeanVarianceNormalization(OpContext c)
    {
        var x = c.Input(0);
        var axes = c.Attributes.Ints("axes") ?? [0, 2, 3];
        var a = Array.ConvertAll(axes, v => c.Axis(v, x.Rank, "axes"));
        var mean = CoreOps.Reduce.Mean(x, a, keepDims: true);
        var std = CoreOps.Elementwise.Sqrt(CoreOps.Reduce.Var(x, a, correction: 0, keepDims: true));
        return [CoreOps.Elementwise.Div(CoreOps.Elementwise.Sub(x, mean), CoreOps.Elementwise.Add(std, 1e-9f))];
    }

    /// <summary>x / ‖x‖_p along <c>axis</c> (default −1), p ∈ {1, 2} (default 2); a zero norm divides by 1 (so a
    /// zero lane stays zero), as ONNX's reference does.</summary>
    [OnnxOp("LpNormalization")]
    public static Tensor?[] LpNormalization(OpContext c)
    {
        var x = c.Input(0);
        int axis = c.Axis(c.Attributes.Int("axis", -1), x.Rank);
        long p = c.Attributes.Int("p", 2);
        int[] axes = [axis];
        var norm = p switch
        {
            1 => CoreOps.Reduce.Sum(CoreOps.Elementwise.Abs(x), axes, keepDims: true),
            2 => CoreOps.Elementwise.Sqrt(CoreOps.Reduce.Sum(CoreOps.Elementwise.Mul(x, x), axes, keepDims: true)),
            _ => throw c.Fail($"p = {p} must be 1 or 2"),
        };
        // the guard is a constant: where the norm is 0 its gradient path is cut like the reference's np.where
        var guard = Array.ConvertAll(norm.ToArray<float>(), v => v == 0f ? 1f : 0f);
        return [CoreOps.Elementwise.Div(x, CoreOps.Elementwise.Add(norm, Tensor.Wrap(guard, norm.Shape)))];
    }

    // Scale/B of LayerNormalization may be any shape broadcastable to the normalized dims.
    private static Tensor Fit(OpContext c, Tensor t, int[] norm, string what)
    {
        if (t.Shape.Dims.SequenceEqual(norm)) return t;
        if (t.Rank > norm.Length || !new Shape(norm).IsBroadcastableFrom(t.Shape))
            throw c.Fail($"{what} of shape {t.Shape} does not broadcast to the normalized shape {new Shape(norm)}");
        return t.BroadcastTo(new Shape(norm)).Contiguous();
    }

    // (G,) → (C,): each group's value repeated over its C/G channels.
    private static Tensor PerChannel(OpContext c, Tensor t, int groups, int channels, string what)
    {
        if (t.Shape.Dims.SequenceEqual([channels])) return t;
        if (!t.Shape.Dims.SequenceEqual([groups])) throw c.Fail($"{what} of shape {t.Shape} must be ({groups},) (one per group)");
        return t.Reshape(groups, 1).Expand(groups, channels / groups).Reshape(channels);
    }
}
