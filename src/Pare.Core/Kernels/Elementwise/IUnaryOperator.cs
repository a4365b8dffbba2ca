using System.Runtime.Intrinsics;

namespace Pare.Core.Kernels.Elementwise;

/// <summary>The "what" of a unary elementwise kernel: one formula at every width. Operators are readonly
/// structs used as generic arguments, so the JIT specialises and inlines the driver per operator; they are
/// instance members (not static abstract) so that parameterised ops (leaky_relu's slope, clamp's bounds)
/// carry their parameters in fields.</summary>
public interface IUnaryOperator
{
    /// <summary>y = f(x) for one element; this is the scalar twin every vector lane must agree with.</summary>
    float Invoke(float x);

    /// <summary>f over 16 lanes.</summary>
    Vector512<float> Invoke(Vector512<float> x);

    /// <summary>f over 8 lanes.</summary>
    Vector256<float> Invoke(Vector256<float> x);

    /// <summary>f over 4 lanes.</summary>
    Vector128<float> Invoke(Vector128<float> x);
}
