namespace Pare.Core.Kernels.Indexing;

/// <summary>The k largest (or smallest) elements along one axis of a tensor viewed as (outer, n, inner).
/// Order is total and stable: NaN ranks above +inf (as in PyTorch), and equal values keep the lower index first,
/// so the result never depends on the sort algorithm.</summary>
public static class TopKKernel
{
    /// <summary>For every (o, c): values[o, :, c] and indices[o, :, c] are the k chosen elements of src[o, :, c],
    /// best first when <paramref name="sorted"/>, else in increasing index order.</summary>
    /// <param name="src">(outer, n, inner), contiguous</param>
    /// <param name="outer">product of the dimensions before the indexed axis</param>
    /// <param name="n">size of the searched axis</param>
    /// <param name="inner">product of the dimensions after it (the row length)</param>
    /// <param name="k">in [0, n]</param>
    /// <param name="largest">true: the k largest; false: the k smallest</param>
    /// <param name="sorted">order of the chosen elements (see summary)</param>
    /// <param name="values">(outer, k, inner)</param>
    /// <param name="indices">(outer, k, inner)</param>
    public static void Forward(ReadOnlySpan<float> src, int outer, int n, int inner, int k, bool largest, bool sorted,
        Span<float> values, Span<long> indices)
    {
        if (k == 0) return;
        var order = new int[n];
        var column = new float[n];
        Comparison<int> compare = largest
            ? (a, b) => Tie(ByValue(column[b], column[a]), a, b)
            : (a, b) => Tie(ByValue(column[a], column[b]), a, b);
        for (int o = 0; o < outer; o++)
        {
            for (int c = 0; c < inner; c++)
            {
                for (int i = 0; i < n; i++)
                {
                    column[i] = src[(o * n + i) * inner + c];
                    order[i] = i;
                }
                Array.Sort(order, compare);
                if (!sorted) Array.Sort(order, 0, k);
                for (int j = 0; j < k; j++)
                {
                    values[(o * k + j) * inner + c] = column[order[j]];
                    indices[(o * k + j) * inner + c] = order[j];
                }
            }
        }
    }

    // Ascending order of values with NaN above everything (NaN equals NaN, −0 equals +0).
    private static int ByValue(float x, float y)
    {
        bool xn = float.IsNaN(x), yn = float.IsNaN(y);
        return xn || yn ? xn.CompareTo(yn) : x.CompareTo(y);
    }

    // Equal values: the lower index first, in both directions, so the order is total and stable.
    private static int Tie(int byValue, int a, int b) => byValue != 0 ? byValue : a.CompareTo(b);
}
