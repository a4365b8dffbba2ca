using Pare.Core.Autograd;
using Pare.Core.Kernels.Elementwise;
using Un = Pare.Core.Kernels.Elementwise.UnaryOperators;

namespace Pare.Core.Ops;

// Unary math: float32 in, same shape out. Non-contiguous inputs are gathered first; the kernels run flat.
public static partial class Elementwise
{
    /// <summary>−x.</summary>
    /// <param name="x">(...)</param>
    [Op("neg")]
    public static Tensor Neg(Tensor x)
    {
        var y = Unary(new Un.Neg(), x, "neg");
        return Tape.Record(y, "neg", [x], d => [Neg(d)]);
    }

    /// <summary>eˣ.</summary>
    /// <param name="x">(...)</param>
    [Op("exp")]
    public static Tensor Exp(Tensor x)
    {
        var y = Unary(new Un.Exp(), x, "exp");
        return Tape.Record(y, "exp", [x], d => [Mul(d, y)]);
    }

    /// <summary>ln x (−inf at 0, NaN below).</summary>
    /// <param name="x">(...)</param>
    [Op("log")]
    public static Tensor Log(Tensor x)
    {
        var y = Unary(new Un.Log(), x, "log");
        return Tape.Record(y, "log", [x], d => [Div(d, x)]);
    }

    /// <summary>√x (NaN below 0).</summary>
    /// <param name="x">(...)</param>
    [Op("sqrt")]
    public static Tensor Sqrt(Tensor x)
    {
        var y = Unary(new Un.Sqrt(), x, "sqrt");
        return Tape.Record(y, "sqrt", [x], d => [Div(Mul(d, 0.5f), y)]);
    }

    /// <summary>1/√x.</summary>
    /// <param name="x">(...)</param>
    [Op("rsqrt")]
    public static Tensor Rsqrt(Tensor x)
    {
        var y = Unary(new Un.Rsqrt(), x, "rsqrt");
        // d(x^−½)/dx = −½·x^−3/2 = −½·y³
        return Tape.Record(y, "rsqrt", [x], d => [Mul(d, Mul(Pow(y, 3f), -0.5f))]);
    }

    /// <summary>|x|; the gradient at 0 is 0 (sign(0) = 0, as PyTorch).</summary>
    /// <param name="x">(...)</param>
    [Op("abs")]
    public static Tensor Abs(Tensor x)
    {
        var y = Unary(new Un.Abs(), x, "abs");
        return Tape.Record(y, "abs", [x], d => [MapGrad(x, d, (v, g) => v > 0 ? g : v < 0 ? -g : 0f)]);
    }

    /// <summary>min(max(x, min), max) as torch.clamp (NaN stays NaN); the gradient flows where min ≤ x ≤ max.</summary>
    /// <param name="x">(...)</param>
    /// <param name="min">lower bound (float.NegativeInfinity for none)</param>
    /// <param name="max">upper bound (float.PositiveInfinity for none)</param>
    [Op("clamp")]
    public static Tensor Clamp(Tensor x, float min, float max)
    {
        var y = Unary(new Un.Clamp(min, max), x, "clamp");
        return Tape.Record(y, "clamp", [x], d => [MapGrad(x, d, (v, g) => v >= min && v <= max ? g : 0f)]);
    }

    // The unary forward: dtype check, gather a non-contiguous input, run the operator flat.
    private static Tensor Unary<TOp>(TOp op, Tensor x, string name) where TOp : struct, IUnaryOperator
    {
        CheckFloat(x, name);
        return UnaryKernel(op, x);
    }

    private static Tensor UnaryKernel<TOp>(TOp op, Tensor x) where TOp : struct, IUnaryOperator
    {
        ReadOnlyMemory<float> src = x.IsContiguous ? x.TypedStorage<float>().Memory.Slice(x.Offset, x.Count) : x.ToArray<float>();
        var result = TensorMemory.Uninitialized<float>(x.Count); // the driver writes every element
        BroadcastDriver.Unary(op, src, result);
        return Tensor.Wrap(result, x.Shape);
    }

    // dx[i] = f(x[i], d[i]) for the pointwise backward passes whose derivative is not worth a vector kernel.
    private static Tensor MapGrad(Tensor x, Tensor d, Func<float, float, float> f)
    {
        float[] xv = x.ToArray<float>(), dv = d.ToArray<float>();
        var r = TensorMemory.Zeroed<float>(xv.Length);
        for (int i = 0; i < r.Length; i++) r[i] = f(xv[i], dv[i]);
        return Tensor.Wrap(r, x.Shape);
    }
}
