namespace Pare.Core.Kernels.Reduce;

/// <summary>Running sum of a contiguous (O, N, I) block along its middle axis, inclusive or exclusive, forward or
/// reverse. The sum is carried in double so a long scan does not drift, then rounded once per element.</summary>
public static class CumSumKernel
{
    /// <summary>y[o, j, i] = Σ x[o, k, i] over k ≤ j (inclusive) or k &lt; j (exclusive); with
    /// <paramref name="reverse"/>, over k ≥ j or k &gt; j.</summary>
    /// <param name="x">(O, N, I), contiguous</param>
    /// <param name="outer">O</param>
    /// <param name="n">N: length of the scanned axis</param>
    /// <param name="inner">I</param>
    /// <param name="exclusive">leave out the element itself</param>
    /// <param name="reverse">scan from the end</param>
    /// <param name="y">(O, N, I)</param>
    public static void Forward(ReadOnlySpan<float> x, int outer, int n, int inner, bool exclusive, bool reverse, Span<float> y)
    {
        long total = (long)outer * n * inner;
        if (x.Length != total || y.Length != total)
            throw new ArgumentException($"cumsum: spans of {x.Length} and {y.Length} elements do not match ({outer}, {n}, {inner})");
        for (int o = 0; o < outer; o++)
        {
            int block = o * n * inner;
            for (int i = 0; i < inner; i++)
            {
                double sum = 0;
                for (int s = 0; s < n; s++)
                {
                    int j = reverse ? n - 1 - s : s;
                    int at = block + j * inner + i;
                    if (exclusive)
                    {
                        y[at] = (float)sum;
                        sum += x[at];
                    }
                    else
                    {
                        sum += x[at];
                        y[at] = (float)sum;
                    }
                }
            }
        }
    }
}
