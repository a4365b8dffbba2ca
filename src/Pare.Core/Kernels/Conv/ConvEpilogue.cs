using System.Numerics;
using System.Numerics.Tensors;

namespace Pare.Core.Kernels.Conv;

/// <summary>Activations an inference convolution can apply to its output in place (the epilogue of a fused
/// Conv + activation node).</summary>
public enum ConvActivation
{
    /// <summary>y = x.</summary>
    None,

    /// <summary>y = max(x, 0); NaN stays NaN.</summary>
    Relu,

    /// <summary>y = min(max(x, A), B), computed as Pare's Clip.</summary>
    Clip,

    /// <summary>y = max(0, min(1, A·x + B)).</summary>
    HardSigmoid,

    /// <summary>y = x · max(0, min(1, x / 6 + 0.5)).</summary>
    HardSwish,

    /// <summary>y = x &lt; 0 ? A·x : x.</summary>
    LeakyRelu,

    /// <summary>y = 1 / (1 + e^−x).</summary>
    Sigmoid,

    /// <summary>y = x · min(max(x + A, B), C) / D: the hard swish exporters write as Add, Clip, Mul and Div
    /// (computed in that order, so the fused result equals the four ops' bit for bit).</summary>
    ShiftClipMulDiv,
}

/// <summary>An activation with its parameters (A, B, C, D as <see cref="ConvActivation"/> names them), applied
/// in place with SIMD and a scalar twin.</summary>
/// <param name="Kind">the activation</param>
/// <param name="A">first parameter</param>
/// <param name="B">second parameter</param>
/// <param name="C">third parameter</param>
/// <param name="D">fourth parameter</param>
public readonly record struct ConvEpilogue(ConvActivation Kind, float A = 0f, float B = 0f, float C = 0f, float D = 1f)
{
    /// <summary>No activation.</summary>
    public static ConvEpilogue Identity => new(ConvActivation.None);

    /// <summary>Applies the activation to every value of <paramref name="y"/> in place (SIMD, scalar tail).</summary>
    /// <param name="y">values, overwritten</param>
    public void Apply(Span<float> y)
    {
        int i = 0;
        switch (Kind)
        {
            case ConvActivation.None:
                return;
            case ConvActivation.Sigmoid when y.IsEmpty:
                return;
            case ConvActivation.Sigmoid:
                TensorPrimitives.Sigmoid(y, y);
                return;
            case ConvActivation.Relu:
                i = Map<ReluOp>(y, this);
                break;
            case ConvActivation.Clip:
                i = Map<ClipOp>(y, this);
                break;
            case ConvActivation.HardSigmoid:
                i = Map<HardSigmoidOp>(y, this);
                break;
            case ConvActivation.HardSwish:
                i = Map<HardSwishOp>(y, this);
                break;
            case ConvActivation.LeakyRelu:
                i = Map<LeakyReluOp>(y, this);
                break;
            case ConvActivation.ShiftClipMulDiv:
                i = Map<ShiftClipMulDivOp>(y, this);
                break;
            default:
                throw new InvalidOperationException($"unknown convolution activation {Kind}");
        }
        ApplyScalar(y[i..]);
    }

    /// <summary>The scalar twin of <see cref="Apply"/> (also its tail).</summary>
    /// <param name="y">values, overwritten</param>
    public void ApplyScalar(Span<float> y)
    {
        for (int i = 0; i < y.Length; i++) y[i] = Scalar(y[i]);
    }

    /// <summary>The activation of one value.</summary>
    /// <param name="x">input</param>
    /// <returns>activated value</returns>
    public float Scalar(float x) => Kind switch
    {
        ConvActivation.None => x,
        ConvActivation.Relu => x < 0f ? 0f : x,
        ConvActivation.Clip => Clamp(x, A, B),
        ConvActivation.HardSigmoid => MathF.Max(0f, MathF.Min(1f, A * x + B)),
        ConvActivation.HardSwish => x * MathF.Max(0f, MathF.Min(1f, 1f / 6f * x + 0.5f)),
        ConvActivation.LeakyRelu => x < 0f ? A * x : x,
        ConvActivation.Sigmoid => 1f / (1f + MathF.Exp(-x)),
        ConvActivation.ShiftClipMulDiv => x * Clamp(x + A, B, C) / D,
        _ => throw new ArgumentOutOfRangeException(nameof(x), Kind, "unknown convolution activation"),
    };

    // Clip as Pare's Clamp kernel computes it: raise to lo, then lower to hi (NaN passes through)
    private static float Clamp(float x, float lo, float hi)
    {
        float t = x < lo ? lo : x;
        return t > hi ? hi : t;
    }

    private static Vector<float> Clamp(Vector<float> x, Vector<float> lo, Vector<float> hi)
    {
        var t = Vector.ConditionalSelect(Vector.LessThan(x, lo), lo, x);
        return Vector.ConditionalSelect(Vector.GreaterThan(t, hi), hi, t);
    }

    // applies TOp to whole vectors; returns the index of the first value left for the scalar tail
    private static unsafe int Map<TOp>(Span<float> y, ConvEpilogue e) where TOp : struct, IVectorOp
    {
        int n = Vector<float>.Count, i = 0;
        if (!Vector.IsHardwareAccelerated) return 0;
        var a = new Vector<float>(e.A);
        var b = new Vector<float>(e.B);
        var c = new Vector<float>(e.C);
        var d = new Vector<float>(e.D);
        fixed (float* p = y)
        {
            for (; i <= y.Length - n; i += n)
                TOp.Run(Vector.Load(p + i), a, b, c, d).Store(p + i);
        }
        return i;
    }

    /// <summary>One activation on a vector of values (parameters A..D broadcast).</summary>
    internal interface IVectorOp
    {
        /// <summary>The activation of every lane of v.</summary>
        static abstract Vector<float> Run(Vector<float> v, Vector<float> a, Vector<float> b, Vector<float> c, Vector<float> d);
    }

    internal struct IdentityOp : IVectorOp
    {
        public static Vector<float> Run(Vector<float> v, Vector<float> a, Vector<float> b, Vector<float> c, Vector<float> d) => v;
    }

    internal struct ReluOp : IVectorOp
    {
        public static Vector<float> Run(Vector<float> v, Vector<float> a, Vector<float> b, Vector<float> c, Vector<float> d) =>
            Vector.ConditionalSelect(Vector.LessThan(v, Vector<float>.Zero), Vector<float>.Zero, v);
    }

    internal struct ClipOp : IVectorOp
    {
        public static Vector<float> Run(Vector<float> v, Vector<float> a, Vector<float> b, Vector<float> c, Vector<float> d) => Clamp(v, a, b);
    }

    internal struct HardSigmoidOp : IVectorOp
    {
        public static Vector<float> Run(Vector<float> v, Vector<float> a, Vector<float> b, Vector<float> c, Vector<float> d) =>
            Vector.Max(Vector<float>.Zero, Vector.Min(Vector<float>.One, v * a + b));
    }

    internal struct HardSwishOp : IVectorOp
    {
        public static Vector<float> Run(Vector<float> v, Vector<float> a, Vector<float> b, Vector<float> c, Vector<float> d) =>
            v * Vector.Max(Vector<float>.Zero, Vector.Min(Vector<float>.One, v * new Vector<float>(1f / 6f) + new Vector<float>(0.5f)));
    }

    internal struct LeakyReluOp : IVectorOp
    {
        public static Vector<float> Run(Vector<float> v, Vector<float> a, Vector<float> b, Vector<float> c, Vector<float> d) =>
            Vector.ConditionalSelect(Vector.LessThan(v, Vector<float>.Zero), v * a, v);
    }

    internal struct ShiftClipMulDivOp : IVectorOp
    {
        public static Vector<float> Run(Vector<float> v, Vector<float> a, Vector<float> b, Vector<float> c, Vector<float> d) =>
            v * Clamp(v + a, b, c) / d;
    }
}
