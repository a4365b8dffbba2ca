using System.Runtime.Intrinsics;

namespace Pare.Core.Kernels.Elementwise;

/// <summary>The piecewise-linear activations of MobileNetV3-style networks (PaddleOCR's backbones use them on every
/// block): a multiply-add and a clamp, exact in both paths (vector = scalar bit for bit, no fused multiply-add).</summary>
public static class HardActivationOperators
{
    /// <summary>max(0, min(1, αx + β)); NaN stays NaN.</summary>
    /// <param name="alpha">slope α</param>
    /// <param name="beta">offset β</param>
    public readonly struct HardSigmoid(float alpha, float beta) : IUnaryOperator
    {
        private static readonly UnaryOperators.Clamp Unit = new(0f, 1f);

        /// <inheritdoc/>
        public float Invoke(float x) => Unit.Invoke(alpha * x + beta);
        /// <inheritdoc/>
        public Vector512<float> Invoke(Vector512<float> x) => Unit.Invoke(x * alpha + Vector512.Create(beta));
        /// <inheritdoc/>
        public Vector256<float> Invoke(Vector256<float> x) => Unit.Invoke(x * alpha + Vector256.Create(beta));
        /// <inheritdoc/>
        public Vector128<float> Invoke(Vector128<float> x) => Unit.Invoke(x * alpha + Vector128.Create(beta));
    }

    /// <summary>x·max(0, min(1, x/6 + ½)), with 1/6 rounded to float as ONNX's α = 1/6 is.</summary>
    public readonly struct HardSwish : IUnaryOperator
    {
        private static readonly HardSigmoid Gate = new(1f / 6f, 0.5f);

        /// <inheritdoc/>
        public float Invoke(float x) => x * Gate.Invoke(x);
        /// <inheritdoc/>
        public Vector512<float> Invoke(Vector512<float> x) => x * Gate.Invoke(x);
        /// <inheritdoc/>
        public Vector256<float> Invoke(Vector256<float> x) => x * Gate.Invoke(x);
        /// <inheritdoc/>
        public Vector128<float> Invoke(Vector128<float> x) => x * Gate.Invoke(x);
    }
}
