using System.Numerics;
using System.Runtime.InteropServices;
using Pare.Core;

namespace Pare.Nn.Optim;

/// <summary>Stochastic gradient descent with momentum, Nesterov momentum and (L2) weight decay, with PyTorch's
/// update: d = g + wd·p; b = μ·b + d (b = d on the first step); d = nesterov ? d + μ·b : b; p −= lr·d.</summary>
public sealed class Sgd : Optimizer
{
    /// <summary>Creates SGD over parameter groups.</summary>
    public Sgd(IReadOnlyList<ParameterGroup> groups, float learningRate, float momentum = 0, bool nesterov = false, float weightDecay = 0)
        : base(groups, learningRate, weightDecay)
    {
        if (!(momentum >= 0)) throw new ArgumentOutOfRangeException(nameof(momentum), momentum, "momentum must be ≥ 0");
        if (nesterov && momentum == 0) throw new ArgumentException("Nesterov momentum needs a momentum > 0", nameof(nesterov));
        Momentum = momentum;
        Nesterov = nesterov;
    }

    /// <summary>Creates SGD over one group.</summary>
    public Sgd(IReadOnlyList<(string Name, Tensor Tensor)> parameters, float learningRate, float momentum = 0, bool nesterov = false, float weightDecay = 0)
        : this([new ParameterGroup(parameters)], learningRate, momentum, nesterov, weightDecay)
    {
    }

    /// <summary>Momentum factor μ.</summary>
    public float Momentum { get; }

    /// <summary>Whether Nesterov momentum is used.</summary>
    public bool Nesterov { get; }

    /// <inheritdoc/>
    protected override void Update(string name, Span<float> p, ReadOnlySpan<float> grad, float lr, float weightDecay)
    {
        if (Momentum == 0)
        {
            PlainStep(p, grad, lr, weightDecay);
            return;
        }
        bool first = _seen.Add(name);
        MomentumStep(p, grad, State(name, "momentum_buffer", p.Length), lr, weightDecay, Momentum, Nesterov, first);
    }

    // p -= lr·(g + λp), vectorized with the same float operations in the same order as the scalar tail.
    private static void PlainStep(Span<float> p, ReadOnlySpan<float> grad, float lr, float weightDecay)
    {
        int i = 0;
        if (Vector.IsHardwareAccelerated)
        {
            var vp = MemoryMarshal.Cast<float, Vector<float>>(p);
            var vg = MemoryMarshal.Cast<float, Vector<float>>(grad);
            for (int j = 0; j < vp.Length; j++) vp[j] -= lr * (vg[j] + weightDecay * vp[j]);
            i = vp.Length * Vector<float>.Count;
        }
        for (; i < p.Length; i++) p[i] -= lr * (grad[i] + weightDecay * p[i]);
    }

    // d = g + λp; b = first ? d : μb + d; p -= lr·(Nesterov ? d + μb : b). Bit-identical to the scalar form: no FMA.
    private static void MomentumStep(Span<float> p, ReadOnlySpan<float> grad, Span<float> b, float lr, float weightDecay,
        float momentum, bool nesterov, bool first)
    {
        int i = 0;
        if (Vector.IsHardwareAccelerated)
        {
            var vp = MemoryMarshal.Cast<float, Vector<float>>(p);
            var vg = MemoryMarshal.Cast<float, Vector<float>>(grad);
            var vb = MemoryMarshal.Cast<float, Vector<float>>(b);
            for (int j = 0; j < vp.Length; j++)
            {
                var d = vg[j] + weightDecay * vp[j];
                var nb = first ? d : momentum * vb[j] + d;
                vb[j] = nb;
                vp[j] -= lr * (nesterov ? d + momentum * nb : nb);
            }
            i = vp.Length * Vector<float>.Count;
        }
        for (; i < p.Length; i++)
        {
            float d = grad[i] + weightDecay * p[i];
            b[i] = first ? d : momentum * b[i] + d;
            p[i] -= lr * (nesterov ? d + momentum * b[i] : b[i]);
        }
    }

    // Parameters whose momentum buffer exists: PyTorch starts the buffer as a copy of the first update.
    private readonly HashSet<string> _seen = new(StringComparer.Ordinal);
}
