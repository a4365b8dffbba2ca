using Pare.Core.Autograd;
using Pare.Core.Kernels.Elementwise;
using Cmp = Pare.Core.Kernels.Elementwise.CompareOperators;

namespace Pare.Core.Ops;

// Comparisons (float32 in, bool out, not differentiable) and where (bool condition selecting between floats).
// Both broadcast by materialising the operands at the output shape: they are mask builders, not hot paths.
public static partial class Elementwise
{
    /// <summary>a == b as bool.</summary>
    /// <param name="a">(...), broadcastable with b</param>
    /// <param name="b">(...)</param>
    [Op("eq", Differentiable = false)]
    public static Tensor Equal(Tensor a, Tensor b) => Compare(new Cmp.Equal(), a, b, "eq");

    /// <summary>a != b as bool (true where either is NaN).</summary>
    /// <param name="a">(...), broadcastable with b</param>
    /// <param name="b">(...)</param>
    [Op("ne", Differentiable = false)]
    public static Tensor NotEqual(Tensor a, Tensor b) => Compare(new Cmp.NotEqual(), a, b, "ne");

    /// <summary>a &lt; b as bool.</summary>
    /// <param name="a">(...), broadcastable with b</param>
    /// <param name="b">(...)</param>
    [Op("lt", Differentiable = false)]
    public static Tensor Less(Tensor a, Tensor b) => Compare(new Cmp.Less(), a, b, "lt");

    /// <summary>a ≤ b as bool.</summary>
    /// <param name="a">(...), broadcastable with b</param>
    /// <param name="b">(...)</param>
    [Op("le", Differentiable = false)]
    public static Tensor LessEqual(Tensor a, Tensor b) => Compare(new Cmp.LessEqual(), a, b, "le");

    /// <summary>a &gt; b as bool.</summary>
    /// <param name="a">(...), broadcastable with b</param>
    /// <param name="b">(...)</param>
    [Op("gt", Differentiable = false)]
    public static Tensor Greater(Tensor a, Tensor b) => Compare(new Cmp.Greater(), a, b, "gt");

    /// <summary>a ≥ b as bool.</summary>
    /// <param name="a">(...), broadcastable with b</param>
    /// <param name="b">(...)</param>
    [Op("ge", Differentiable = false)]
    public static Tensor GreaterEqual(Tensor a, Tensor b) => Compare(new Cmp.GreaterEqual(), a, b, "ge");

    /// <summary>cond ? a : b elementwise; the three operands broadcast together.</summary>
    /// <param name="cond">(...) bool</param>
    /// <param name="a">(...) float32, taken where cond is true</param>
    /// <param name="b">(...) float32, taken where cond is false</param>
    [Op("where")]
    public static Tensor Where(Tensor cond, Tensor a, Tensor b)
    {
        ArgumentNullException.ThrowIfNull(cond);
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);
        if (cond.DType != DType.Bool)
            throw new ArgumentException($"where: the condition must be bool, got {cond.DType.Name()} {cond.Shape}");
        if (a.DType != DType.Float32 || b.DType != DType.Float32)
            throw new ArgumentException($"where: expects float32 values, got {a.DType.Name()} {a.Shape} and {b.DType.Name()} {b.Shape}");
        Shape shape;
        try
        {
            shape = Shape.Broadcast(Shape.Broadcast(cond.Shape, a.Shape), b.Shape);
        }
        catch (ArgumentException e)
        {
            throw new ArgumentException($"where: condition {cond.Shape}, values {a.Shape} and {b.Shape}: {e.Message}", e);
        }
        var c = Broadcasted<bool>(cond, shape);
        var result = TensorMemory.Zeroed<float>(shape.ElementCount);
        ElementwiseDriver.Where(c, Broadcasted(a, shape), Broadcasted(b, shape), result);
        var y = Tensor.Wrap(result, shape);
        return Tape.Record(y, "where", [cond, a, b], d =>
        {
            var dv = d.ToArray<float>();
            float[]? da = a.RequiresGrad ? new float[dv.Length] : null, db = b.RequiresGrad ? new float[dv.Length] : null;
            for (int i = 0; i < dv.Length; i++)
            {
                if (da is not null) da[i] = c[i] ? dv[i] : 0f;
                if (db is not null) db[i] = c[i] ? 0f : dv[i];
            }
            return
            [
                null,
                da is null ? null : GradMath.SumToShape(Tensor.Wrap(da, shape), a.Shape),
                db is null ? null : GradMath.SumToShape(Tensor.Wrap(db, shape), b.Shape),
            ];
        });
    }

    private static Tensor Compare<TOp>(TOp op, Tensor a, Tensor b, string name) where TOp : struct, ICompareOperator
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);
        if (a.DType != DType.Float32 || b.DType != DType.Float32)
            throw new ArgumentException($"{name}: expects float32 operands, got {a.DType.Name()} {a.Shape} and {b.DType.Name()} {b.Shape}");
        var shape = BroadcastShape(a, b, name);
        var result = TensorMemory.Zeroed<bool>(shape.ElementCount);
        ElementwiseDriver.Compare(op, Broadcasted(a, shape), Broadcasted(b, shape), result);
        return Tensor.Wrap(result, shape);
    }
}
