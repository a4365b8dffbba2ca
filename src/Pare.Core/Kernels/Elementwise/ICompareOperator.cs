using System.Runtime.Intrinsics;

namespace Pare.Core.Kernels.Elementwise;

/// <summary>A comparison: the scalar predicate and the vector one, which returns all-ones lanes where the
/// predicate holds (as the hardware compare instructions do).</summary>
public interface ICompareOperator
{
    /// <summary>p(a, b) for one element (the scalar twin).</summary>
    bool Invoke(float a, float b);

    /// <summary>p over 16 lanes as a lane mask.</summary>
    Vector512<float> Invoke(Vector512<float> a, Vector512<float> b);

    /// <summary>p over 8 lanes as a lane mask.</summary>
    Vector256<float> Invoke(Vector256<float> a, Vector256<float> b);

    /// <summary>p over 4 lanes as a lane mask.</summary>
    Vector128<float> Invoke(Vector128<float> a, Vector128<float> b);
}
