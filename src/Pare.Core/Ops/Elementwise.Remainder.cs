using Pare.Core.Autograd;

namespace Pare.Core.Ops;

// Remainders with broadcasting, as torch.fmod (sign of the dividend) and torch.remainder (sign of the divisor).
// Both are a − b·q for an integer q that is constant between jumps, so d/da = 1 and d/db = −q.
public static partial class Elementwise
{
    /// <summary>C's fmod: a − b·trunc(a/b), computed exactly (IEEE remainder of the truncated quotient); the result
    /// has a's sign. NaN where b = 0.</summary>
    /// <param name="a">(...), broadcastable with b</param>
    /// <param name="b">(...)</param>
    [Op("fmod")]
    public static Tensor Fmod(Tensor a, Tensor b) => Remainder(a, b, "fmod", floor: false);

    /// <summary>Python's %: a − b·floor(a/b); the result has b's sign. NaN where b = 0.</summary>
    /// <param name="a">(...), broadcastable with b</param>
    /// <param name="b">(...)</param>
    [Op("remainder")]
    public static Tensor Remainder(Tensor a, Tensor b) => Remainder(a, b, "remainder", floor: true);

    private static Tensor Remainder(Tensor a, Tensor b, string name, bool floor)
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);
        CheckFloat(a, name);
        CheckFloat(b, name);
        var shape = BroadcastShape(a, b, name);
        float[] av = Broadcasted(a, shape), bv = Broadcasted(b, shape);
        var r = TensorMemory.Zeroed<float>(av.Length);
        for (int i = 0; i < r.Length; i++)
        {
            float m = av[i] % bv[i];
            // the divisor's sign: shift a nonzero remainder of the other sign by one b
            r[i] = floor && m != 0 && (m < 0) != (bv[i] < 0) ? m + bv[i] : m;
        }
        var y = Tensor.Wrap(r, shape);
        Shape aShape = a.Shape, bShape = b.Shape;
        return Tape.Record(y, name, [a, b], d =>
        {
            Tensor? db = null;
            if (b.RequiresGrad)
            {
                // q = (a − y)/b is an integer up to rounding; round it to get the exact quotient
                var dv = d.ToArray<float>();
                var g = new float[r.Length];
                for (int i = 0; i < g.Length; i++) g[i] = -dv[i] * MathF.Round((av[i] - r[i]) / bv[i]);
                db = GradMath.SumToShape(Tensor.Wrap(g, shape), bShape);
            }
            return [a.RequiresGrad ? GradMath.SumToShape(d, aShape) : null, db];
        });
    }
}
