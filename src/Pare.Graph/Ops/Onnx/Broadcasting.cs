using System.Numerics;
using Pare.Core;

namespace Pare.Graph.Ops.Onnx;

/// <summary>An integer binary function for every integer element type (wrapping arithmetic, as ONNX Runtime does).</summary>
internal interface IIntegerBinary
{
    /// <summary>f(a, b).</summary>
    static abstract T Apply<T>(T a, T b) where T : IBinaryInteger<T>;
}

/// <summary>A comparison for every integer element type.</summary>
internal interface IIntegerCompare
{
    /// <summary>a ∘ b.</summary>
    static abstract bool Apply<T>(T a, T b) where T : IBinaryInteger<T>;
}

/// <summary>The non-differentiable elementwise path for integer and bool tensors (shape arithmetic on int64, masks,
/// comparisons): operands are broadcast NumPy-style and materialised at the output shape, then one loop applies the
/// scalar function. Float32 never takes this path; it goes through the Core ops so that gradients flow.</summary>
internal static class Broadcasting
{
    /// <summary>The NumPy broadcast of the inputs' shapes; fails naming the node when they do not broadcast.</summary>
    public static Shape ShapeOf(OpContext c, params ReadOnlySpan<Tensor> xs)
    {
        var shape = xs[0].Shape;
        foreach (var x in xs[1..])
        {
            try
            {
                shape = Shape.Broadcast(shape, x.Shape);
            }
            catch (ArgumentException)
            {
                throw c.Fail($"input shapes {string.Join(", ", xs.ToArray().Select(t => t.Shape.ToString()))} do not broadcast");
            }
        }
        return shape;
    }

    /// <summary><paramref name="x"/>'s values broadcast to <paramref name="shape"/>, row-major.</summary>
    public static T[] Values<T>(Tensor x, Shape shape) where T : unmanaged => x.Detach().Expand(shape.Dims.ToArray()).ToArray<T>();

    /// <summary>Fails naming the node unless all inputs have one dtype.</summary>
    public static DType SameType(OpContext c, params ReadOnlySpan<Tensor> xs)
    {
        foreach (var x in xs[1..])
            if (x.DType != xs[0].DType)
                throw c.Fail($"inputs must have one element type, got {string.Join(" and ", xs.ToArray().Select(t => t.DType.Name()))}");
        return xs[0].DType;
    }

    /// <summary>y = f(a, b) with broadcasting, for one element type.</summary>
    public static Tensor Map<T, TR>(OpContext c, Tensor a, Tensor b, Func<T, T, TR> f) where T : unmanaged where TR : unmanaged
    {
        var shape = ShapeOf(c, a, b);
        T[] av = Values<T>(a, shape), bv = Values<T>(b, shape);
        var y = new TR[av.Length];
        for (int i = 0; i < y.Length; i++) y[i] = f(av[i], bv[i]);
        return Tensor.Wrap(y, shape);
    }

    /// <summary>y = f(x), for one element type.</summary>
    public static Tensor Map<T, TR>(Tensor x, Func<T, TR> f) where T : unmanaged where TR : unmanaged
    {
        var xv = x.ToArray<T>();
        var y = new TR[xv.Length];
        for (int i = 0; i < y.Length; i++) y[i] = f(xv[i]);
        return Tensor.Wrap(y, x.Shape);
    }

    /// <summary><typeparamref name="TOp"/> on two integer tensors of one type; division by zero fails naming the node.</summary>
    public static Tensor Integer<TOp>(OpContext c, Tensor a, Tensor b) where TOp : IIntegerBinary
    {
        try
        {
            return SameType(c, a, b) switch
            {
                DType.Int8 => Map<sbyte, sbyte>(c, a, b, (x, y) => TOp.Apply(x, y)),
                DType.UInt8 => Map<byte, byte>(c, a, b, (x, y) => TOp.Apply(x, y)),
                DType.Int32 => Map<int, int>(c, a, b, (x, y) => TOp.Apply(x, y)),
                DType.Int64 => Map<long, long>(c, a, b, (x, y) => TOp.Apply(x, y)),
                var t => throw c.Fail($"expects numeric inputs, got {t.Name()}"),
            };
        }
        catch (DivideByZeroException)
        {
            throw c.Fail("integer division by zero");
        }
    }

    /// <summary><typeparamref name="TOp"/> comparing two integer tensors of one type; bool out.</summary>
    public static Tensor Compare<TOp>(OpContext c, Tensor a, Tensor b) where TOp : IIntegerCompare => SameType(c, a, b) switch
    {
        DType.Int8 => Map<sbyte, bool>(c, a, b, (x, y) => TOp.Apply(x, y)),
        DType.UInt8 => Map<byte, bool>(c, a, b, (x, y) => TOp.Apply(x, y)),
        DType.Int32 => Map<int, bool>(c, a, b, (x, y) => TOp.Apply(x, y)),
        DType.Int64 => Map<long, bool>(c, a, b, (x, y) => TOp.Apply(x, y)),
        var t => throw c.Fail($"cannot compare {t.Name()} values"),
    };
}
