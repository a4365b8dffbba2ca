using Pare.Core;

namespace Pare.Nn.Modules;

/// <summary>The additive attention mask: −∞ where a query may not look (future keys, padding keys), 0 elsewhere.</summary>
internal static class AttentionMask
{
    /// <returns>(B or 1, 1, T, T) float, or null when nothing is masked</returns>
    public static Tensor? Build(int b, int t, Tensor? keyPadding, bool causal)
    {
        if (keyPadding is null && !causal) return null;
        bool[]? pad = keyPadding?.ToArray<bool>();
        int nb = pad is null ? 1 : b;
        var m = new float[nb * t * t];
        for (int n = 0; n < nb; n++)
            for (int i = 0; i < t; i++)
                for (int j = 0; j < t; j++)
                    if ((causal && j > i) || (pad is not null && pad[n * t + j]))
                        m[(n * t + i) * t + j] = float.NegativeInfinity;
        return Tensor.Wrap(m, new Shape(nb, 1, t, t));
    }
}
