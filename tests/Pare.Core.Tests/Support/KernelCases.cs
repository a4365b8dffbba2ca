using Pare.Core.Random;

namespace Pare.Core.Tests.Support;

/// <summary>Inputs that SIMD kernels get wrong first: every length 0..257 (tails of every vector width),
/// special values, and spans that start off a vector boundary.</summary>
public static class KernelCases
{
    /// <summary>Lengths 0..257.</summary>
    public static IEnumerable<int> Lengths => Enumerable.Range(0, 258);

    /// <summary>xunit data: every length 0..257.</summary>
    public static TheoryData<int> LengthData
    {
        get
        {
            var data = new TheoryData<int>();
            foreach (int n in Lengths) data.Add(n);
            return data;
        }
    }

    /// <summary>±0, ±inf, NaN, the extremes and subnormals.</summary>
    public static readonly float[] Specials =
    [
        0f, -0f, float.PositiveInfinity, float.NegativeInfinity, float.NaN, float.MaxValue, -float.MaxValue,
        float.Epsilon, -float.Epsilon, 1e-38f, -1e-38f, 1f, -1f, 0.5f, -0.5f, 88.7f, -88.7f, 100f, -100f, 1e-7f,
    ];

    /// <summary>n seeded values in [lo, hi), placed at an odd offset inside a larger array so that the span
    /// is not vector-aligned; the specials are mixed in when <paramref name="withSpecials"/>.</summary>
    public static Memory<float> Values(int n, ulong seed, float lo = -4f, float hi = 4f, bool withSpecials = false, int offset = 3)
    {
        var rng = new Rng(seed);
        var buffer = new float[n + offset];
        for (int i = 0; i < n; i++)
            buffer[offset + i] = withSpecials && i % 3 == 0 ? Specials[(i / 3) % Specials.Length] : lo + (hi - lo) * rng.NextFloat();
        return buffer.AsMemory(offset, n);
    }

    /// <summary>Asserts elementwise equality within a relative/absolute tolerance; NaN equals NaN, infinities
    /// must match exactly.</summary>
    public static void AssertClose(ReadOnlySpan<float> expected, ReadOnlySpan<float> actual, float rtol, float atol, string what)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
        {
            float e = expected[i], a = actual[i];
            if (float.IsNaN(e) || float.IsNaN(a))
            {
                Assert.True(float.IsNaN(e) && float.IsNaN(a), $"{what}[{i}]: {a} vs {e}");
                continue;
            }
            if (float.IsInfinity(e) || float.IsInfinity(a))
            {
                Assert.True(e == a, $"{what}[{i}]: {a} vs {e}");
                continue;
            }
            Assert.True(Math.Abs(a - e) <= atol + rtol * Math.Abs(e), $"{what}[{i}]: {a} vs {e}");
        }
    }
}
