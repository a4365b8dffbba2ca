using System.Runtime.Intrinsics;

namespace Pare.Core.Kernels.Elementwise;

/// <summary>The "what" of a binary elementwise kernel (see <see cref="IUnaryOperator"/>).</summary>
public interface IBinaryOperator
{
    /// <summary>z = f(a, b) for one element (the scalar twin).</summary>
    float Invoke(float a, float b);

    /// <summary>f over 16 lanes.</summary>
    Vector512<float> Invoke(Vector512<float> a, Vector512<float> b);

    /// <summary>f over 8 lanes.</summary>
    Vector256<float> Invoke(Vector256<float> a, Vector256<float> b);

    /// <summary>f over 4 lanes.</summary>
    Vector128<float> Invoke(Vector128<float> a, Vector128<float> b);
}
