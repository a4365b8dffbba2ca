using Pare.Core.Autograd;
using Pare.Core.Kernels.Norm;

namespace Pare.Core.Ops;

/// <summary>Layer, group and batch normalization with optional per-channel weight and bias. Statistics use the
/// biased variance; each backward gives the input, weight and bias gradients.</summary>
public static partial class Normalization
{
    /// <summary>Normalizes over the trailing dims given by <paramref name="normalizedShape"/>, then y = x̂·w + b.</summary>
    /// <param name="x">(*, D_1, …, D_k)</param>
    /// <param name="normalizedShape">(D_1, …, D_k)</param>
    /// <param name="weight">(D_1, …, D_k) or null</param>
    /// <param name="bias">(D_1, …, D_k) or null</param>
    /// <param name="eps">added to the variance</param>
    [Op("layer_norm")]
    public static Tensor LayerNorm(Tensor x, int[] normalizedShape, Tensor? weight = null, Tensor? bias = null, float eps = 1e-5f)
    {
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(normalizedShape);
        CheckInput(x, "layer_norm");
        var norm = new Shape(normalizedShape);
        int k = normalizedShape.Length;
        bool fits = k >= 1 && k <= x.Rank && x.Shape.Dims[(x.Rank - k)..].SequenceEqual(normalizedShape);
        if (!fits)
            throw new ArgumentException($"layer_norm: normalized shape {norm} is not the trailing part of input shape {x.Shape}", nameof(normalizedShape));
        CheckParameter(weight, norm, "weight", "layer_norm");
        CheckParameter(bias, norm, "bias", "layer_norm");
        int len = norm.ElementCount, rows = len == 0 ? 0 : x.Count / len;
        var w = Values(weight);
        var b = Values(bias);
        var xhat = GC.AllocateUninitializedArray<float>(x.Count);
        float[] mean = new float[rows], variance = new float[rows], rstd = new float[rows];
        RowNorm.Forward(x.Detach().Contiguous().AsSpan<float>(), rows, len, eps, xhat, mean, variance, rstd);
        var y = TensorMemory.Uninitialized<float>(x.Count);
        ChannelAffine.Apply(xhat, w, b, rows, len, 1, y);
        var output = Tensor.Wrap(y, x.Shape);
        return Tape.Record(output, "layer_norm", Inputs(x, weight, bias), d =>
        {
            var dy = Values(d);
            return AffineBackward(x, weight, bias, dy, xhat, rows, len, 1, g =>
            {
                var dx = GC.AllocateUninitializedArray<float>(g.Length);
                RowNorm.Backward(xhat, rstd, g, rows, len, dx);
                return dx;
            });
        });
    }

    /// <summary>Splits the C channels into <paramref name="groups"/> groups, normalizes each (sample, group),
    /// then y = x̂·w[c] + b[c].</summary>
    /// <param name="x">(N, C, *)</param>
    /// <param name="groups">G, dividing C</param>
    /// <param name="weight">(C,) or null</param>
    /// <param name="bias">(C,) or null</param>
    /// <param name="eps">added to the variance</param>
    [Op("group_norm")]
    public static Tensor GroupNorm(Tensor x, int groups, Tensor? weight = null, Tensor? bias = null, float eps = 1e-5f)
    {
        ArgumentNullException.ThrowIfNull(x);
        CheckInput(x, "group_norm");
        if (x.Rank < 2)
            throw new ArgumentException($"group_norm: input shape {x.Shape} needs at least (N, C)", nameof(x));
        int n = x.Shape.Dims[0], c = x.Shape.Dims[1], s = 1;
        for (int i = 2; i < x.Rank; i++) s *= x.Shape.Dims[i];
        if (groups < 1 || c % groups != 0)
            throw new ArgumentException($"group_norm: {groups} groups do not divide the {c} channels of shape {x.Shape}", nameof(groups));
        CheckParameter(weight, new Shape(c), "weight", "group_norm");
        CheckParameter(bias, new Shape(c), "bias", "group_norm");
        int rows = n * groups, len = c / groups * s;
        var xhat = GC.AllocateUninitializedArray<float>(x.Count);
        float[] mean = new float[rows], variance = new float[rows], rstd = new float[rows];
        RowNorm.Forward(x.Detach().Contiguous().AsSpan<float>(), rows, len, eps, xhat, mean, variance, rstd);
        var y = TensorMemory.Uninitialized<float>(x.Count);
        ChannelAffine.Apply(xhat, Values(weight), Values(bias), n, c, s, y);
        var output = Tensor.Wrap(y, x.Shape);
        return Tape.Record(output, "group_norm", Inputs(x, weight, bias), d =>
        {
            var dy = Values(d);
            return AffineBackward(x, weight, bias, dy, xhat, n, c, s, g =>
            {
                var dx = GC.AllocateUninitializedArray<float>(g.Length);
                RowNorm.Backward(xhat, rstd, g, rows, len, dx);
                return dx;
            });
        });
    }

    // The shared tail of every backward: g = dy·w (dL/dx̂), dx from the layer's own rule, and the per-channel
    // dw = Σ dy·x̂ and db = Σ dy, over an (A, C, S) layout.
    private static Tensor?[] AffineBackward(Tensor x, Tensor? weight, Tensor? bias, float[] dy, float[] xhat, int a, int c, int s, Func<float[], float[]> inputGrad)
    {
        Tensor? dx = null, dw = null, db = null;
        if (x.RequiresGrad)
        {
            var g = GC.AllocateUninitializedArray<float>(dy.Length);
            ChannelAffine.Apply(dy, Values(weight), default, a, c, s, g);
            dx = Tensor.Wrap(inputGrad(g), x.Shape);
        }
        if (weight is { RequiresGrad: true })
        {
            var gw = new float[c];
            ChannelAffine.ChannelSum(dy, xhat, a, c, s, gw);
            dw = Tensor.Wrap(gw, weight.Shape);
        }
        if (bias is { RequiresGrad: true })
        {
            var gb = new float[c];
            ChannelAffine.ChannelSum(dy, default, a, c, s, gb);
            db = Tensor.Wrap(gb, bias.Shape);
        }
        var grads = new List<Tensor?> { dx };
        if (weight is not null) grads.Add(dw);
        if (bias is not null) grads.Add(db);
        return [.. grads];
    }

    private static Tensor[] Inputs(Tensor x, Tensor? weight, Tensor? bias)
    {
        var inputs = new List<Tensor> { x };
        if (weight is not null) inputs.Add(weight);
        if (bias is not null) inputs.Add(bias);
        return [.. inputs];
    }

    private static void CheckInput(Tensor x, string op)
    {
        if (x.DType != DType.Float32)
            throw new ArgumentException($"{op}: needs a float32 input, got {x.DType.Name()} of shape {x.Shape}", nameof(x));
    }

    private static void CheckParameter(Tensor? p, Shape expected, string name, string op)
    {
        if (p is not null && (p.Shape != expected || p.DType != DType.Float32))
            throw new ArgumentException($"{op}: {name} of shape {p.Shape} {p.DType.Name()} does not match {expected} float32", name);
    }

    // The values in row-major order; empty for a missing parameter.
    private static float[] Values(Tensor? t) => t is null ? [] : t.IsContiguous ? t.AsSpan<float>().ToArray() : t.Detach().ToArray<float>();
}
