using Pare.Core;

namespace Pare.Nn.Optim;

/// <summary>Clipping of gradients by their global L2 norm, as torch.nn.utils.clip_grad_norm_.</summary>
public static class GradientClipping
{
    /// <summary>Scales every gradient by max/(norm + 1e−6) when the global norm exceeds <paramref name="maxNorm"/>.</summary>
    /// <returns>the global norm before clipping (NaN or ∞ when a gradient is not finite)</returns>
    public static double ClipByNorm(IEnumerable<Tensor> parameters, double maxNorm)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        if (!(maxNorm > 0)) throw new ArgumentOutOfRangeException(nameof(maxNorm), maxNorm, "max norm must be > 0");
        var grads = parameters.Select(p => p.Grad).OfType<Tensor>().ToList();
        double sum = 0;
        foreach (var g in grads)
            foreach (float x in g.IsContiguous ? g.AsSpan<float>() : g.ToArray<float>()) sum += (double)x * x;
        double norm = Math.Sqrt(sum);
        double coef = maxNorm / (norm + 1e-6);
        if (coef < 1)
        {
            foreach (var g in grads)
            {
                if (!g.IsContiguous) throw new InvalidOperationException("cannot clip a non-contiguous gradient in place");
                var s = g.AsSpan<float>();
                for (int i = 0; i < s.Length; i++) s[i] = (float)(s[i] * coef);
            }
        }
        return norm;
    }
}
