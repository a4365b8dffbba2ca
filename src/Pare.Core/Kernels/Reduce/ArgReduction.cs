namespace Pare.Core.Kernels.Reduce;

/// <summary>Index of the largest/smallest element along the middle axis of a contiguous (O, R, I) block. Ties
/// give the first index; a NaN counts as the extreme (the first NaN wins), like torch.argmax. Scalar only: one
/// compare per element leaves nothing for a vector path to win on the index bookkeeping.</summary>
public static class ArgReduction
{
    /// <summary>dst[o, i] = argmax (or argmin) over r of x[o, r, i]; R must be ≥ 1 when O·I &gt; 0.</summary>
    /// <param name="x">(O, R, I), contiguous</param>
    /// <param name="outer">O</param>
    /// <param name="r">R: size of the reduced axis</param>
    /// <param name="inner">I</param>
    /// <param name="max">true for argmax, false for argmin</param>
    /// <param name="dst">(O, I)</param>
    public static void ArgExtreme(ReadOnlySpan<float> x, int outer, int r, int inner, bool max, Span<long> dst)
    {
        if (outer < 0 || r < 0 || inner < 0 || x.Length != (long)outer * r * inner || dst.Length != (long)outer * inner)
            throw new ArgumentException($"argmax: spans of {x.Length} and {dst.Length} elements do not fit (O, R, I) = ({outer}, {r}, {inner})");
        if (r == 0 && outer * inner > 0)
            throw new ArgumentException($"argmax: empty axis in (O, R, I) = ({outer}, {r}, {inner})");
        for (int o = 0; o < outer; o++)
        {
            for (int i = 0; i < inner; i++)
            {
                int baseAt = o * r * inner + i, best = 0;
                float bestValue = x[baseAt];
                for (int k = 1; k < r && !float.IsNaN(bestValue); k++)
                {
                    float v = x[baseAt + k * inner];
                    if (float.IsNaN(v) || (max ? v > bestValue : v < bestValue))
                    {
                        best = k;
                        bestValue = v;
                    }
                }
                dst[o * inner + i] = best;
            }
        }
    }
}
