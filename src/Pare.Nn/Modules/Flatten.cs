using Pare.Core;

namespace Pare.Nn.Modules;

/// <summary>Flattens all dimensions after the first: (N, *) → (N, ∏*).</summary>
public sealed class Flatten : Module
{
    /// <inheritdoc/>
    public override Tensor Forward(Tensor x)
    {
        ArgumentNullException.ThrowIfNull(x);
        return x.Rank <= 1 ? x : x.Flatten(1);
    }
}
