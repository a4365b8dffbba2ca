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
            for (int i = 0; i < p.Length; i++) p[i] -= lr * (grad[i] + weightDecay * p[i]);
            return;
        }
        bool first = _seen.Add(name);
        var b = State(name, "momentum_buffer", p.Length);
        for (int i = 0; i < p.Length; i++)
        {
            float d = grad[i] + weightDecay * p[i];
            b[i] = first ? d : Momentum * b[i] + d;
            p[i] -= lr * (Nesterov ? d + Momentum * b[i] : b[i]);
        }
    }

    // Parameters whose momentum buffer exists: PyTorch starts the buffer as a copy of the first update.
    private readonly HashSet<string> _seen = new(StringComparer.Ordinal);
}
