using System.Numerics.Tensors;
using Pare.Core.Autograd;
using Pare.Core.Kernels.Reduce;

namespace Pare.Core.Ops;

/// <summary>Reductions over any set of axes (null or empty = all): sum, mean, max, min, argmax, argmin, var, std.
/// Gradients broadcast the output gradient back over the reduced axes.</summary>
public static class Reduce
{
    /// <summary>Σ over <paramref name="axes"/>; an empty reduction gives 0.</summary>
    /// <param name="x">any shape</param>
    /// <param name="axes">axes to reduce (negative count from the end); null = all</param>
    /// <param name="keepDims">keep reduced axes as size 1</param>
    [Op("sum")]
    public static Tensor Sum(Tensor x, int[]? axes = null, bool keepDims = false)
    {
        ArgumentNullException.ThrowIfNull(x);
        var plan = ReducePlan.Create(x.Shape, axes, keepDims, "sum");
        var result = Run(ReduceKind.Sum, plan, x);
        return Tape.Record(result, "sum", [x], d => [Tensor.Wrap(plan.Broadcast(d), plan.Input)]);
    }

    /// <summary>Mean over <paramref name="axes"/>; an empty reduction gives NaN, like PyTorch.</summary>
    /// <param name="x">any shape</param>
    /// <param name="axes">axes to reduce; null = all</param>
    /// <param name="keepDims">keep reduced axes as size 1</param>
    [Op("mean")]
    public static Tensor Mean(Tensor x, int[]? axes = null, bool keepDims = false)
    {
        ArgumentNullException.ThrowIfNull(x);
        var plan = ReducePlan.Create(x.Shape, axes, keepDims, "mean");
        var result = Run(ReduceKind.Sum, plan, x);
        var values = result.AsSpan<float>();
        TensorPrimitives.Divide(values, plan.R, values);
        return Tape.Record(result, "mean", [x], d =>
        {
            var dx = plan.Broadcast(d);
            TensorPrimitives.Divide(dx, plan.R, dx);
            return [Tensor.Wrap(dx, plan.Input)];
        });
    }

    /// <summary>Largest value over <paramref name="axes"/> (NaN if any is NaN); the gradient is split evenly
    /// among tied maxima, like torch.amax. Throws ArgumentException for a reduction over an empty axis.</summary>
    /// <param name="x">any shape</param>
    /// <param name="axes">axes to reduce; null = all</param>
    /// <param name="keepDims">keep reduced axes as size 1</param>
    [Op("max")]
    public static Tensor Max(Tensor x, int[]? axes = null, bool keepDims = false) => Extreme(x, axes, keepDims, ReduceKind.Max, "max");

    /// <summary>Smallest value over <paramref name="axes"/>; see <see cref="Max"/>.</summary>
    /// <param name="x">any shape</param>
    /// <param name="axes">axes to reduce; null = all</param>
    /// <param name="keepDims">keep reduced axes as size 1</param>
    [Op("min")]
    public static Tensor Min(Tensor x, int[]? axes = null, bool keepDims = false) => Extreme(x, axes, keepDims, ReduceKind.Min, "min");

    /// <summary>Index (int64) of the first largest element along <paramref name="axis"/>, or in the flattened
    /// tensor when null. A NaN counts as the largest.</summary>
    /// <param name="x">any shape</param>
    /// <param name="axis">axis to reduce; null = flattened</param>
    /// <param name="keepDims">keep the reduced axis as size 1</param>
    [Op("argmax", Differentiable = false)]
    public static Tensor ArgMax(Tensor x, int? axis = null, bool keepDims = false) => ArgExtreme(x, axis, keepDims, true, "argmax");

    /// <summary>Index (int64) of the first smallest element; see <see cref="ArgMax"/>.</summary>
    /// <param name="x">any shape</param>
    /// <param name="axis">axis to reduce; null = flattened</param>
    /// <param name="keepDims">keep the reduced axis as size 1</param>
    [Op("argmin", Differentiable = false)]
    public static Tensor ArgMin(Tensor x, int? axis = null, bool keepDims = false) => ArgExtreme(x, axis, keepDims, false, "argmin");

    /// <summary>Variance over <paramref name="axes"/>: Σ(x − mean)² / max(0, N − correction).</summary>
    /// <param name="x">any shape</param>
    /// <param name="axes">axes to reduce; null = all</param>
    /// <param name="correction">1 (unbiased, PyTorch's default) or 0</param>
    /// <param name="keepDims">keep reduced axes as size 1</param>
    [Op("var")]
    public static Tensor Var(Tensor x, int[]? axes = null, int correction = 1, bool keepDims = false) => Moment(x, axes, correction, keepDims, false);

    /// <summary>Standard deviation: √<see cref="Var"/>.</summary>
    /// <param name="x">any shape</param>
    /// <param name="axes">axes to reduce; null = all</param>
    /// <param name="correction">1 (unbiased) or 0</param>
    /// <param name="keepDims">keep reduced axes as size 1</param>
    [Op("std")]
    public static Tensor Std(Tensor x, int[]? axes = null, int correction = 1, bool keepDims = false) => Moment(x, axes, correction, keepDims, true);

    private static Tensor Run(ReduceKind kind, ReducePlan plan, Tensor x)
    {
        var data = plan.Layout(x);
        var result = TensorMemory.Zeroed<float>(plan.Outer * plan.Inner);
        Reduction.Reduce(kind, data.AsSpan<float>(), plan.Outer, plan.R, plan.Inner, result);
        return Tensor.Wrap(result, plan.Output);
    }

    private static Tensor Extreme(Tensor x, int[]? axes, bool keepDims, ReduceKind kind, string op)
    {
        ArgumentNullException.ThrowIfNull(x);
        var plan = ReducePlan.Create(x.Shape, axes, keepDims, op);
        if (plan.R == 0 && plan.Outer * plan.Inner > 0)
            throw new ArgumentException($"{op}: reduction over an empty axis of shape {x.Shape} has no identity; give a non-empty axis");
        var result = Run(kind, plan, x);
        return Tape.Record(result, op, [x], d =>
        {
            // dx = dy · [x = y] / (number of ties), computed in the input's layout
            var xs = x.Detach().ToArray<float>();
            var ys = plan.Broadcast(result);
            var mask = new float[xs.Length];
            for (int i = 0; i < xs.Length; i++) mask[i] = xs[i] == ys[i] ? 1f : 0f;
            var countPlan = ReducePlan.Create(plan.Input, axes, true, op);
            var counts = countPlan.Broadcast(Run(ReduceKind.Sum, countPlan, Tensor.Wrap(mask, plan.Input)));
            var dx = plan.Broadcast(d);
            for (int i = 0; i < dx.Length; i++) dx[i] = mask[i] == 0f ? 0f : dx[i] / counts[i];
            return [Tensor.Wrap(dx, plan.Input)];
        });
    }

    private static Tensor ArgExtreme(Tensor x, int? axis, bool keepDims, bool max, string op)
    {
        ArgumentNullException.ThrowIfNull(x);
        var plan = ReducePlan.Create(x.Shape, axis is { } a ? [a] : null, keepDims, op);
        if (plan.R == 0 && plan.Outer * plan.Inner > 0 || x.Count == 0 && axis is null)
            throw new ArgumentException($"{op}: empty axis in shape {x.Shape} has no extreme element");
        var data = plan.Layout(x);
        var result = TensorMemory.Zeroed<long>(plan.Outer * plan.Inner);
        ArgReduction.ArgExtreme(data.AsSpan<float>(), plan.Outer, plan.R, plan.Inner, max, result);
        return Tensor.Wrap(result, plan.Output);
    }

    private static Tensor Moment(Tensor x, int[]? axes, int correction, bool keepDims, bool std)
    {
        ArgumentNullException.ThrowIfNull(x);
        string op = std ? "std" : "var";
        ArgumentOutOfRangeException.ThrowIfNegative(correction);
        var plan = ReducePlan.Create(x.Shape, axes, keepDims, op);
        var data = plan.Layout(x);
        var mean = new float[plan.Outer * plan.Inner];
        var result = TensorMemory.Zeroed<float>(mean.Length);
        Moments.Variance(data.AsSpan<float>(), plan.Outer, plan.R, plan.Inner, correction, mean, result);
        if (std) TensorPrimitives.Sqrt(result, result);
        var output = Tensor.Wrap(result, plan.Output);
        return Tape.Record(output, op, [x], d =>
        {
            // var: dx = dy·2(x − mean)/(N − c); std: dx = dy·(x − mean)/((N − c)·std)
            var xs = x.Detach().ToArray<float>();
            var ms = plan.Broadcast(Tensor.Wrap(mean, plan.Kept));
            var ys = std ? plan.Broadcast(output) : null;
            var dx = plan.Broadcast(d);
            double denom = Math.Max(0, plan.R - correction);
            for (int i = 0; i < dx.Length; i++)
            {
                double centered = (double)xs[i] - ms[i];
                dx[i] = (float)(std ? dx[i] * centered / (denom * ys![i]) : dx[i] * 2 * centered / denom);
            }
            return [Tensor.Wrap(dx, plan.Input)];
        });
    }
}
