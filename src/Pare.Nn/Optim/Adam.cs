using System.Numerics;
using System.Runtime.InteropServices;
using Pare.Core;

namespace Pare.Nn.Optim;

/// <summary>Adam and AdamW with PyTorch 1.13's arithmetic: m = β1·m + (1−β1)·g; v = β2·v + (1−β2)·g²;
/// p −= (lr / (1−β1ᵗ)) · m / (√v / √(1−β2ᵗ) + ε). Adam adds weight decay to the gradient (L2); AdamW
/// decays the weights directly (p ·= 1 − lr·wd) before the update.</summary>
public sealed class Adam : Optimizer
{
    /// <summary>Creates Adam (or AdamW when <paramref name="decoupledWeightDecay"/>) over parameter groups.</summary>
    public Adam(IReadOnlyList<ParameterGroup> groups, float learningRate = 1e-3f, float beta1 = 0.9f, float beta2 = 0.999f,
        float epsilon = 1e-8f, float weightDecay = 0, bool decoupledWeightDecay = false)
        : base(groups, learningRate, weightDecay)
    {
        if (!(beta1 is >= 0 and < 1) || !(beta2 is >= 0 and < 1))
            throw new ArgumentOutOfRangeException(nameof(beta1), $"betas ({beta1}, {beta2}) must lie in [0, 1)");
        Beta1 = beta1;
        Beta2 = beta2;
        Epsilon = epsilon;
        Decoupled = decoupledWeightDecay;
    }

    /// <summary>AdamW with PyTorch's defaults (weight decay 0.01).</summary>
    public static Adam AdamW(IReadOnlyList<ParameterGroup> groups, float learningRate = 1e-3f, float beta1 = 0.9f, float beta2 = 0.999f,
        float epsilon = 1e-8f, float weightDecay = 0.01f) =>
        new(groups, learningRate, beta1, beta2, epsilon, weightDecay, decoupledWeightDecay: true);

    /// <summary>First-moment decay β1.</summary>
    public float Beta1 { get; }

    /// <summary>Second-moment decay β2.</summary>
    public float Beta2 { get; }

    /// <summary>ε added to the denominator.</summary>
    public float Epsilon { get; }

    /// <summary>True for AdamW.</summary>
    public bool Decoupled { get; }

    /// <inheritdoc/>
    protected override void Update(string name, Span<float> p, ReadOnlySpan<float> grad, float lr, float weightDecay)
    {
        var m = State(name, "exp_avg", p.Length);
        var v = State(name, "exp_avg_sq", p.Length);
        // Bias corrections in double like PyTorch's Python scalars, then used as float32.
        long t = Steps;
        float bc1 = (float)(1 - Math.Pow(Beta1, t));
        float bc2Sqrt = (float)Math.Sqrt(1 - Math.Pow(Beta2, t));
        float stepSize = lr / bc1;
        float b1 = Beta1, b2 = Beta2, eps = Epsilon;
        float decay = Decoupled ? 1 - lr * weightDecay : 1;
        float l2 = Decoupled ? 0 : weightDecay;
        int i = 0;
        if (Vector.IsHardwareAccelerated)
        {
            // the scalar loop's float operations in the same order (no FMA), so results are bit-identical
            var vp = MemoryMarshal.Cast<float, Vector<float>>(p);
            var vg = MemoryMarshal.Cast<float, Vector<float>>(grad);
            var vm = MemoryMarshal.Cast<float, Vector<float>>(m);
            var vv = MemoryMarshal.Cast<float, Vector<float>>(v);
            for (int j = 0; j < vp.Length; j++)
            {
                var pj = vp[j] * decay;
                var g = vg[j] + l2 * pj;
                var mj = vm[j] * b1 + (1 - b1) * g;
                var vj = vv[j] * b2 + (1 - b2) * g * g;
                vm[j] = mj;
                vv[j] = vj;
                var denom = Vector.SquareRoot(vj) / bc2Sqrt + new Vector<float>(eps);
                vp[j] = pj - stepSize * (mj / denom);
            }
            i = vp.Length * Vector<float>.Count;
        }
        for (; i < p.Length; i++)
        {
            float pi = p[i] * decay;
            float g = grad[i] + l2 * pi;
            m[i] = m[i] * b1 + (1 - b1) * g;
            v[i] = v[i] * b2 + (1 - b2) * g * g;
            float denom = MathF.Sqrt(v[i]) / bc2Sqrt + eps;
            p[i] = pi - stepSize * (m[i] / denom);
        }
    }
}
