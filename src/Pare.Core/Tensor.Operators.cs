using Pare.Core.Ops;

namespace Pare.Core;

// C# arithmetic operators, routed to the differentiable ops in Ops.Elementwise (broadcasting, float32).
public sealed partial class Tensor
{
    /// <summary>a + b (<see cref="Elementwise.Add(Tensor, Tensor)"/>).</summary>
    public static Tensor operator +(Tensor a, Tensor b) => Elementwise.Add(a, b);

    /// <summary>a + s.</summary>
    public static Tensor operator +(Tensor a, float s) => Elementwise.Add(a, s);

    /// <summary>s + a.</summary>
    public static Tensor operator +(float s, Tensor a) => Elementwise.Add(Scalar(s), a);

    /// <summary>a − b (<see cref="Elementwise.Sub(Tensor, Tensor)"/>).</summary>
    public static Tensor operator -(Tensor a, Tensor b) => Elementwise.Sub(a, b);

    /// <summary>a − s.</summary>
    public static Tensor operator -(Tensor a, float s) => Elementwise.Sub(a, s);

    /// <summary>s − a.</summary>
    public static Tensor operator -(float s, Tensor a) => Elementwise.Sub(s, a);

    /// <summary>a · b (<see cref="Elementwise.Mul(Tensor, Tensor)"/>).</summary>
    public static Tensor operator *(Tensor a, Tensor b) => Elementwise.Mul(a, b);

    /// <summary>a · s.</summary>
    public static Tensor operator *(Tensor a, float s) => Elementwise.Mul(a, s);

    /// <summary>s · a.</summary>
    public static Tensor operator *(float s, Tensor a) => Elementwise.Mul(Scalar(s), a);

    /// <summary>a / b (<see cref="Elementwise.Div(Tensor, Tensor)"/>).</summary>
    public static Tensor operator /(Tensor a, Tensor b) => Elementwise.Div(a, b);

    /// <summary>a / s.</summary>
    public static Tensor operator /(Tensor a, float s) => Elementwise.Div(a, s);

    /// <summary>s / a.</summary>
    public static Tensor operator /(float s, Tensor a) => Elementwise.Div(s, a);

    /// <summary>−a (<see cref="Elementwise.Neg"/>).</summary>
    public static Tensor operator -(Tensor a) => Elementwise.Neg(a);
}
