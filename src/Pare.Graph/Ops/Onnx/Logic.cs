using Pare.Core;
using CoreOps = Pare.Core.Ops;
using IntOp = Pare.Graph.Ops.Onnx.IntegerOperators;

namespace Pare.Graph.Ops.Onnx;

/// <summary>ONNX comparisons (float32 through Core, integers and bool in the integer path; bool out), the boolean
/// ops And/Or/Xor/Not, and Where. None of these is differentiable except Where's float branches.</summary>
internal static class Logic
{
    [OnnxOp("Equal")]
    public static Tensor?[] Equal(OpContext c)
    {
        Tensor a = c.Input(0), b = c.Input(1);
        if (Broadcasting.SameType(c, a, b) == DType.Bool) return [Broadcasting.Map<bool, bool>(c, a, b, (x, y) => x == y)];
        return [Compare<IntOp.Equal>(c, a, b, CoreOps.Elementwise.Equal)];
    }

    [OnnxOp("Less")]
    public static Tensor?[] Less(OpContext c) => [Compare<IntOp.Less>(c, c.Input(0), c.Input(1), CoreOps.Elementwise.Less)];

    [OnnxOp("LessOrEqual", SinceVersion = 12)]
    public static Tensor?[] LessOrEqual(OpContext c) => [Compare<IntOp.LessOrEqual>(c, c.Input(0), c.Input(1), CoreOps.Elementwise.LessEqual)];

    [OnnxOp("Greater")]
    public static Tensor?[] Greater(OpContext c) => [Compare<IntOp.Greater>(c, c.Input(0), c.Input(1), CoreOps.Elementwise.Greater)];

    [OnnxOp("GreaterOrEqual", SinceVersion = 12)]
    public static Tensor?[] GreaterOrEqual(OpContext c) => [Compare<IntOp.GreaterOrEqual>(c, c.Input(0), c.Input(1), CoreOps.Elementwise.GreaterEqual)];

    [OnnxOp("And")]
    public static Tensor?[] And(OpContext c) => [Bools(c, (x, y) => x & y)];

    [OnnxOp("Or")]
    public static Tensor?[] Or(OpContext c) => [Bools(c, (x, y) => x | y)];

    [OnnxOp("Xor")]
    public static Tensor?[] Xor(OpContext c) => [Bools(c, (x, y) => x ^ y)];

    [OnnxOp("Not")]
    public static Tensor?[] Not(OpContext c)
    {
        var x = c.Input(0);
        if (x.DType != DType.Bool) throw c.Fail($"Not takes bool input, got {x.DType.Name()}");
        return [Broadcasting.Map<bool, bool>(x, v => !v)];
    }

    /// <summary>condition ? X : Y with the three broadcast together; float32 branches go through Core's where (gradients
    /// to X and Y), other element types are selected in the integer path.</summary>
    [OnnxOp("Where", SinceVersion = 9)]
    public static Tensor?[] Where(OpContext c)
    {
        Tensor cond = c.Input(0), x = c.Input(1), y = c.Input(2);
        if (cond.DType != DType.Bool) throw c.Fail($"condition must be bool, got {cond.DType.Name()}");
        var type = Broadcasting.SameType(c, x, y);
        if (type == DType.Float32) return [Arithmetic.Float(c, () => CoreOps.Elementwise.Where(cond, x, y))];
        return type switch
        {
            DType.Int8 => [Select<sbyte>(c, cond, x, y)],
            DType.UInt8 => [Select<byte>(c, cond, x, y)],
            DType.Int32 => [Select<int>(c, cond, x, y)],
            DType.Int64 => [Select<long>(c, cond, x, y)],
            _ => [Select<bool>(c, cond, x, y)],
        };
    }

    private static Tensor Select<T>(OpContext c, Tensor cond, Tensor x, Tensor y) where T : unmanaged
    {
        var shape = Broadcasting.ShapeOf(c, cond, x, y);
        var cv = Broadcasting.Values<bool>(cond, shape);
        T[] xv = Broadcasting.Values<T>(x, shape), yv = Broadcasting.Values<T>(y, shape);
        var r = new T[cv.Length];
        for (int i = 0; i < r.Length; i++) r[i] = cv[i] ? xv[i] : yv[i];
        return Tensor.Wrap(r, shape);
    }

    private static Tensor Compare<TInt>(OpContext c, Tensor a, Tensor b, Func<Tensor, Tensor, Tensor> floatOp) where TInt : IIntegerCompare =>
        Broadcasting.SameType(c, a, b) == DType.Float32 ? Arithmetic.Float(c, () => floatOp(a, b)) : Broadcasting.Compare<TInt>(c, a, b);

    private static Tensor Bools(OpContext c, Func<bool, bool, bool> f)
    {
        Tensor a = c.Input(0), b = c.Input(1);
        if (Broadcasting.SameType(c, a, b) != DType.Bool) throw c.Fail($"takes bool inputs, got {a.DType.Name()}");
        return Broadcasting.Map(c, a, b, f);
    }
}
