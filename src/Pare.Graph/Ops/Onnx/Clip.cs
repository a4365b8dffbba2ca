using Pare.Core;
using CoreOps = Pare.Core.Ops;

namespace Pare.Graph.Ops.Onnx;

/// <summary>ONNX Clip: bounds are attributes before opset 11 and optional scalar inputs from 11. Float32 goes through
/// Core's clamp (gradient where min ≤ x ≤ max); integers clamp in the integer path. When min &gt; max every value
/// becomes max, as the spec says.</summary>
internal static class Clip
{
    [OnnxOp("Clip")]
    public static Tensor?[] Run(OpContext c)
    {
        var x = c.Input(0);
        if (c.Opset < 11)
        {
            if (x.DType != DType.Float32) throw c.Fail($"Clip before opset 11 takes float input, got {x.DType.Name()}");
            return [CoreOps.Elementwise.Clamp(x, c.Attributes.Float("min", float.NegativeInfinity), c.Attributes.Float("max", float.PositiveInfinity))];
        }
        Tensor? min = c.OptionalInput(1), max = c.OptionalInput(2);
        foreach (var (bound, name) in new[] { (min, "min"), (max, "max") })
        {
            if (bound is null) continue;
            if (bound.DType != x.DType) throw c.Fail($"{name} must have x's element type {x.DType.Name()}, got {bound.DType.Name()}");
            if (bound.Count != 1) throw c.Fail($"{name} must be a scalar, has shape {bound.Shape}");
        }
        return x.DType switch
        {
            DType.Float32 => [CoreOps.Elementwise.Clamp(x, min is null ? float.NegativeInfinity : c.Float(min, "min"), max is null ? float.PositiveInfinity : c.Float(max, "max"))],
            DType.Int8 => [Clamp<sbyte>(x, min, max)],
            DType.UInt8 => [Clamp<byte>(x, min, max)],
            DType.Int32 => [Clamp<int>(x, min, max)],
            DType.Int64 => [Clamp<long>(x, min, max)],
            var t => throw c.Fail($"Clip does not take {t.Name()} input"),
        };
    }

    private static Tensor Clamp<T>(Tensor x, Tensor? min, Tensor? max) where T : unmanaged, System.Numerics.IBinaryInteger<T>, System.Numerics.IMinMaxValue<T>
    {
        T lo = min is null ? T.MinValue : min.ToArray<T>()[0], hi = max is null ? T.MaxValue : max.ToArray<T>()[0];
        // max first, then min: with lo > hi everything becomes hi
        return Broadcasting.Map<T, T>(x, v => T.Min(T.Max(v, lo), hi));
    }
}
