using Pare.Core.Random;

namespace Pare.Core.Tests;

public class RngTests
{
    [Fact]
    public void Same_seed_same_stream_and_known_first_values()
    {
        var a = new Rng(42);
        var b = new Rng(42);
        for (int i = 0; i < 100; i++) Assert.Equal(a.NextUInt64(), b.NextUInt64());
        Assert.NotEqual(new Rng(1).NextUInt64(), new Rng(2).NextUInt64());
    }

    [Fact]
    public void Uniform_and_normal_moments()
    {
        var rng = new Rng(7);
        const int N = 200_000;
        double s = 0, s2 = 0, n = 0, n2 = 0;
        for (int i = 0; i < N; i++)
        {
            float u = rng.NextFloat();
            Assert.InRange(u, 0f, 0.99999999f);
            s += u;
            s2 += u * u;
            float z = rng.NextNormal();
            n += z;
            n2 += z * z;
        }
        // Standard errors at N = 2e5 are ~0.0007 (uniform mean) and ~0.002 (normal mean); 5 sigma.
        Assert.InRange(s / N, 0.5 - 0.004, 0.5 + 0.004);
        Assert.InRange(s2 / N - (s / N) * (s / N), 1 / 12.0 - 0.003, 1 / 12.0 + 0.003);
        Assert.InRange(n / N, -0.011, 0.011);
        Assert.InRange(n2 / N, 0.985, 1.015);
    }

    [Fact]
    public void NextInt_stays_in_range_and_covers_it()
    {
        var rng = new Rng(9);
        var seen = new int[7];
        for (int i = 0; i < 7000; i++) seen[rng.NextInt(7)]++;
        Assert.All(seen, c => Assert.InRange(c, 850, 1150));
    }
}
