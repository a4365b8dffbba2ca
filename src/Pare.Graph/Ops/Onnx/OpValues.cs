using Pare.Core;

namespace Pare.Graph.Ops.Onnx;

/// <summary>Reading small integer tensors (shapes, axes, pads, starts/ends) that ONNX passes as inputs, and axis
/// normalization, with errors that name the node.</summary>
internal static class OpValues
{
    /// <summary>The values of an int64 or int32 tensor (any rank) as longs.</summary>
    public static long[] Longs(this OpContext c, Tensor t, string what)
    {
        var x = t.Contiguous();
        return t.DType switch
        {
            DType.Int64 => x.AsSpan<long>().ToArray(),
            DType.Int32 => Array.ConvertAll(x.AsSpan<int>().ToArray(), v => (long)v),
            _ => throw c.Fail($"{what} must be int64 or int32, got {t.DType.Name()}"),
        };
    }

    /// <summary>The values of an int64/int32 tensor as ints, failing when one is out of range.</summary>
    public static int[] Ints(this OpContext c, Tensor t, string what) =>
        Array.ConvertAll(c.Longs(t, what), v => v is >= int.MinValue and <= int.MaxValue ? (int)v : throw c.Fail($"{what} value {v} is out of range"));

    /// <summary>Axis <paramref name="axis"/> (negative counts from the end) checked against <paramref name="rank"/>.</summary>
    public static int Axis(this OpContext c, long axis, int rank, string what = "axis")
    {
        var a = axis < 0 ? axis + rank : axis;
        return a >= 0 && a < rank ? (int)a : throw c.Fail($"{what} {axis} is out of range for rank {rank}");
    }

    /// <summary>A float scalar input (any shape with one element).</summary>
    public static float Float(this OpContext c, Tensor t, string what)
    {
        if (t.Shape.ElementCount != 1) throw c.Fail($"{what} must hold one value, has shape {t.Shape}");
        return t.DType == DType.Float32 ? t.Contiguous().AsSpan<float>()[0] : throw c.Fail($"{what} must be float32, got {t.DType.Name()}");
    }
}
