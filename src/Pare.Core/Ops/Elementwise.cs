using Pare.Core.Autograd;
using Pare.Core.Kernels.Elementwise;
using Bin = Pare.Core.Kernels.Elementwise.BinaryOperators;

namespace Pare.Core.Ops;

/// <summary>Elementwise ops with NumPy broadcasting: arithmetic here, unary math in Elementwise.Unary.cs,
/// activations in Activations.cs, comparisons and where in Elementwise.Compare.cs. Arithmetic takes float32;
/// operands broadcast (shapes aligned from the right, sizes equal or 1), and each backward reduces its gradient
/// back to the operand's shape with <see cref="GradMath.SumToShape"/>.</summary>
public static partial class Elementwise
{
    /// <summary>a + b.</summary>
    /// <param name="a">(...), broadcastable with b</param>
    /// <param name="b">(...)</param>
    [Op("add")]
    public static Tensor Add(Tensor a, Tensor b)
    {
        var y = Binary(new Bin.Add(), a, b, "add");
        Shape aShape = a.Shape, bShape = b.Shape;
        return Tape.Record(y, "add", [a, b], d =>
        [
            a.RequiresGrad ? GradMath.SumToShape(d, aShape) : null,
            b.RequiresGrad ? GradMath.SumToShape(d, bShape) : null,
        ]);
    }

    /// <summary>a − b.</summary>
    /// <param name="a">(...), broadcastable with b</param>
    /// <param name="b">(...)</param>
    [Op("sub")]
    public static Tensor Sub(Tensor a, Tensor b)
    {
        var y = Binary(new Bin.Sub(), a, b, "sub");
        Shape aShape = a.Shape, bShape = b.Shape;
        return Tape.Record(y, "sub", [a, b], d =>
        [
            a.RequiresGrad ? GradMath.SumToShape(d, aShape) : null,
            b.RequiresGrad ? GradMath.SumToShape(Neg(d), bShape) : null,
        ]);
    }

    /// <summary>a · b.</summary>
    /// <param name="a">(...), broadcastable with b</param>
    /// <param name="b">(...)</param>
    [Op("mul")]
    public static Tensor Mul(Tensor a, Tensor b)
    {
        var y = Binary(new Bin.Mul(), a, b, "mul");
        Shape aShape = a.Shape, bShape = b.Shape;
        return Tape.Record(y, "mul", [a, b], d =>
        [
            a.RequiresGrad ? GradMath.SumToShape(Mul(d, b), aShape) : null,
            b.RequiresGrad ? GradMath.SumToShape(Mul(d, a), bShape) : null,
        ]);
    }

    /// <summary>a / b.</summary>
    /// <param name="a">(...), broadcastable with b</param>
    /// <param name="b">(...)</param>
    [Op("div")]
    public static Tensor Div(Tensor a, Tensor b)
    {
        var y = Binary(new Bin.Div(), a, b, "div");
        Shape aShape = a.Shape, bShape = b.Shape;
        return Tape.Record(y, "div", [a, b], d =>
        [
            a.RequiresGrad ? GradMath.SumToShape(Div(d, b), aShape) : null,
            // d(a/b)/db = −a/b² = −y/b
            b.RequiresGrad ? GradMath.SumToShape(Neg(Div(Mul(d, y), b)), bShape) : null,
        ]);
    }

    /// <summary>a^b elementwise (MathF.Pow semantics).</summary>
    /// <param name="a">(...), broadcastable with b</param>
    /// <param name="b">(...)</param>
    [Op("pow")]
    public static Tensor Pow(Tensor a, Tensor b)
    {
        var y = Binary(new Bin.Pow(), a, b, "pow");
        Shape aShape = a.Shape, bShape = b.Shape;
        return Tape.Record(y, "pow", [a, b], d =>
        {
            var shape = y.Shape;
            float[] av = Broadcasted(a, shape), bv = Broadcasted(b, shape), yv = y.ToArray<float>(), dv = d.ToArray<float>();
            float[]? da = a.RequiresGrad ? new float[av.Length] : null, db = b.RequiresGrad ? new float[av.Length] : null;
            for (int i = 0; i < av.Length; i++)
            {
                // b·a^(b−1); written with pow(a, b−1) rather than y/a so that a = 0 gives the right limit
                if (da is not null) da[i] = bv[i] == 0 ? 0 : dv[i] * bv[i] * MathF.Pow(av[i], bv[i] - 1);
                // y·ln a, taken as 0 where a = 0 and b ≥ 0 (as PyTorch does) instead of 0·(−inf) = NaN
                if (db is not null) db[i] = av[i] == 0 && bv[i] >= 0 ? 0 : dv[i] * yv[i] * MathF.Log(av[i]);
            }
            return
            [
                da is null ? null : GradMath.SumToShape(Tensor.Wrap(da, shape), aShape),
                db is null ? null : GradMath.SumToShape(Tensor.Wrap(db, shape), bShape),
            ];
        });
    }

    /// <summary>x^p for a scalar exponent; p = 2 is one exact multiply, p = 0.5 is sqrt (as in PyTorch).</summary>
    /// <param name="x">(...)</param>
    /// <param name="p">exponent</param>
    public static Tensor Pow(Tensor x, float p)
    {
        CheckFloat(x, "pow");
        var y = p switch
        {
            2f => UnaryKernel(new UnaryOperators.Square(), x),
            0.5f => UnaryKernel(new UnaryOperators.Sqrt(), x),
            _ => Binary(new Bin.Pow(), x, Tensor.Scalar(p), "pow"),
        };
        return Tape.Record(y, "pow", [x], d =>
        [
            p == 0 ? Tensor.Zeros(x.Shape) : p == 2 ? Mul(d, Mul(x, 2f)) : Mul(d, Mul(Pow(x, p - 1), p)),
        ]);
    }

    /// <summary>max(a, b) elementwise; NaN propagates. On ties the gradient is split evenly (as PyTorch does).</summary>
    /// <param name="a">(...), broadcastable with b</param>
    /// <param name="b">(...)</param>
    [Op("maximum")]
    public static Tensor Maximum(Tensor a, Tensor b)
    {
        var y = Binary(new Bin.Maximum(), a, b, "maximum");
        return Tape.Record(y, "maximum", [a, b], d => SelectBackward(a, b, y.Shape, d, (x, z) => x > z));
    }

    /// <summary>min(a, b) elementwise; NaN propagates. On ties the gradient is split evenly.</summary>
    /// <param name="a">(...), broadcastable with b</param>
    /// <param name="b">(...)</param>
    [Op("minimum")]
    public static Tensor Minimum(Tensor a, Tensor b)
    {
        var y = Binary(new Bin.Minimum(), a, b, "minimum");
        return Tape.Record(y, "minimum", [a, b], d => SelectBackward(a, b, y.Shape, d, (x, z) => x < z));
    }

    /// <summary>a + s.</summary>
    /// <param name="a">(...)</param>
    /// <param name="s">scalar</param>
    public static Tensor Add(Tensor a, float s) => Add(a, Tensor.Scalar(s));

    /// <summary>a − s.</summary>
    /// <param name="a">(...)</param>
    /// <param name="s">scalar</param>
    public static Tensor Sub(Tensor a, float s) => Sub(a, Tensor.Scalar(s));

    /// <summary>s − a.</summary>
    /// <param name="s">scalar</param>
    /// <param name="a">(...)</param>
    public static Tensor Sub(float s, Tensor a) => Sub(Tensor.Scalar(s), a);

    /// <summary>a · s.</summary>
    /// <param name="a">(...)</param>
    /// <param name="s">scalar</param>
    public static Tensor Mul(Tensor a, float s) => Mul(a, Tensor.Scalar(s));

    /// <summary>a / s.</summary>
    /// <param name="a">(...)</param>
    /// <param name="s">scalar</param>
    public static Tensor Div(Tensor a, float s) => Div(a, Tensor.Scalar(s));

    /// <summary>s / a.</summary>
    /// <param name="s">scalar</param>
    /// <param name="a">(...)</param>
    public static Tensor Div(float s, Tensor a) => Div(Tensor.Scalar(s), a);

    // Gradient of max/min: the selected operand gets d, ties give each d/2.
    private static Tensor?[] SelectBackward(Tensor a, Tensor b, Shape shape, Tensor d, Func<float, float, bool> wins)
    {
        float[] av = Broadcasted(a, shape), bv = Broadcasted(b, shape), dv = d.ToArray<float>();
        float[]? da = a.RequiresGrad ? new float[av.Length] : null, db = b.RequiresGrad ? new float[av.Length] : null;
        for (int i = 0; i < av.Length; i++)
        {
            float wa = av[i] == bv[i] ? 0.5f : wins(av[i], bv[i]) ? 1f : 0f;
            float wb = av[i] == bv[i] ? 0.5f : wins(bv[i], av[i]) ? 1f : 0f;
            if (da is not null) da[i] = wa * dv[i];
            if (db is not null) db[i] = wb * dv[i];
        }
        return
        [
            da is null ? null : GradMath.SumToShape(Tensor.Wrap(da, shape), a.Shape),
            db is null ? null : GradMath.SumToShape(Tensor.Wrap(db, shape), b.Shape),
        ];
    }

    // The broadcast forward: validates dtypes and shapes, then lets the driver walk both layouts.
    private static Tensor Binary<TOp>(TOp op, Tensor a, Tensor b, string name) where TOp : struct, IBinaryOperator
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);
        if (a.DType != DType.Float32 || b.DType != DType.Float32)
            throw new ArgumentException($"{name}: expects float32 operands, got {a.DType.Name()} {a.Shape} and {b.DType.Name()} {b.Shape}");
        var shape = BroadcastShape(a, b, name);
        var result = TensorMemory.Uninitialized<float>(shape.ElementCount); // the driver writes every element
        BroadcastDriver.Binary(op, a.TypedStorage<float>().Memory, a.Offset, AlignedStrides(a, shape),
            b.TypedStorage<float>().Memory, b.Offset, AlignedStrides(b, shape), shape.Dims, result);
        return Tensor.Wrap(result, shape);
    }

    private static Shape BroadcastShape(Tensor a, Tensor b, string name)
    {
        try
        {
            return Shape.Broadcast(a.Shape, b.Shape);
        }
        catch (ArgumentException e)
        {
            throw new ArgumentException($"{name}: {e.Message}", e);
        }
    }

    // x's strides over the dimensions of the broadcast shape: 0 on leading (missing) and expanded size-1 dimensions.
    private static int[] AlignedStrides(Tensor x, Shape shape)
    {
        int lead = shape.Rank - x.Rank;
        var strides = new int[shape.Rank];
        for (int i = 0; i < x.Rank; i++)
            strides[lead + i] = x.Shape.Dims[i] == 1 ? 0 : x.Strides[i];
        return strides;
    }

    // x's values broadcast to shape, row-major (a copy; for backward passes and the non-arithmetic ops).
    private static T[] Broadcasted<T>(Tensor x, Shape shape) where T : unmanaged =>
        x.Detach().Expand(shape.Dims.ToArray()).ToArray<T>();

    private static float[] Broadcasted(Tensor x, Shape shape) => Broadcasted<float>(x, shape);

    private static void CheckFloat(Tensor x, string name)
    {
        ArgumentNullException.ThrowIfNull(x);
        if (x.DType != DType.Float32)
            throw new ArgumentException($"{name}: expects a float32 tensor, got {x.DType.Name()} {x.Shape}");
    }
}
