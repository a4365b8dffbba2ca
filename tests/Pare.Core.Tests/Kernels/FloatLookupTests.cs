using Pare.Core.Kernels.Quantize;
using Pare.Core.Random;

using Pare.Core.Tests.Support;

namespace Pare.Core.Tests.Kernels;

/// <summary>The byte → float lookup against plain indexing: every length 0..70 (the eight-wide gather and its tail),
/// every byte value, the parallel split, special values in the table (exact, so equality).</summary>
[Collection(nameof(ThreadCountSerial))]
public class FloatLookupTests
{
    private static float[] Table(Rng rng)
    {
        var t = Enumerable.Range(0, 256).Select(_ => rng.NextFloat() * 10 - 5).ToArray();
        (t[0], t[1], t[255]) = (float.NaN, -0f, float.NegativeInfinity);
        return t;
    }

    [Fact]
    public void Matches_indexing_for_every_length_up_to_70()
    {
        var rng = new Rng(5);
        var table = Table(rng);
        for (int n = 0; n <= 70; n++)
        {
            var x = Enumerable.Range(0, n).Select(i => (byte)(i < 3 ? 255 * (i % 2) : rng.NextInt(256))).ToArray();
            var y = new float[n];
            FloatLookup.Run(x, table, y);
            Assert.Equal(x.Select(b => BitConverter.SingleToInt32Bits(table[b])), y.Select(BitConverter.SingleToInt32Bits));
        }
    }

    [Fact]
    public void Parallel_split_matches_indexing()
    {
        var rng = new Rng(6);
        var table = Table(rng);
        var x = Enumerable.Range(0, (1 << 17) + 13).Select(_ => (byte)rng.NextInt(256)).ToArray();
        var y = new float[x.Length];
        ThreadCounts.With(2, () => FloatLookup.RunParallel(x, table, y));
        Assert.Equal(x.Select(b => BitConverter.SingleToInt32Bits(table[b])), y.Select(BitConverter.SingleToInt32Bits));
    }

    [Fact]
    public void Rejects_a_short_table() =>
        Assert.Throws<ArgumentException>(() => FloatLookup.Run(new byte[4], new float[255], new float[4]));
}
