using Pare.Nn.Export;
using Pare.Graph.Building;
using Pare.Core;
using Pare.Core.Ops;
using Pare.Core.Random;

namespace Pare.Nn.Modules;

/// <summary>Zeroes each element with probability p in training mode and scales the rest by 1/(1−p); the
/// identity in evaluation mode. The mask comes from the module's own seeded generator.</summary>
public sealed class Dropout : Module
{
    private readonly Rng _rng;

    /// <summary>Creates the layer.</summary>
    public Dropout(float p, Rng rng)
    {
        if (!(p is >= 0 and < 1)) throw new ArgumentOutOfRangeException(nameof(p), p, "dropout probability must be in [0, 1)");
        P = p;
        _rng = rng ?? throw new ArgumentNullException(nameof(rng));
    }

    /// <summary>Drop probability.</summary>
    public float P { get; }

    /// <inheritdoc/>
    public override Tensor Forward(Tensor x)
    {
        ArgumentNullException.ThrowIfNull(x);
        if (!Training || P == 0) return x;
        var mask = new float[x.Count];
        float keep = 1 / (1 - P);
        for (int i = 0; i < mask.Length; i++) mask[i] = _rng.NextFloat() < P ? 0 : keep;
        return Elementwise.Mul(x, Tensor.Wrap(mask, x.Shape));
    }

    /// <inheritdoc/>
    public override string Export(GraphBuilder g, string input) => input;
}
