using Pare.Core.Kernels.Pool;
using Pare.Core.Random;

namespace Pare.Core.Tests.Kernels;

/// <summary>The NHWC 2×2 byte max pool against a plain loop: channel counts around the 32-byte vector step, odd
/// heights and widths (floor mode), uint8 and int8 order.</summary>
public class MaxPoolBytesNhwcTests
{
    [Theory]
    [InlineData(4, 4, 1, false)]
    [InlineData(5, 7, 31, true)]
    [InlineData(14, 14, 64, false)]
    [InlineData(6, 3, 33, true)]
    [InlineData(3, 9, 70, false)]
    public void Matches_a_plain_loop(int h, int w, int channels, bool signedValues)
    {
        var rng = new Rng((ulong)(h * 100 + w * 10 + channels));
        var x = Enumerable.Range(0, h * w * channels).Select(_ => (byte)rng.NextInt(256)).ToArray();
        int ph = h / 2, pw = w / 2;
        var y = new byte[ph * pw * channels];
        MaxPoolBytesNhwc.Pool2x2(x, h, w, channels, signedValues, y);
        for (int oy = 0; oy < ph; oy++)
            for (int ox = 0; ox < pw; ox++)
                for (int c = 0; c < channels; c++)
                {
                    int best = int.MinValue;
                    for (int dy = 0; dy < 2; dy++)
                        for (int dx = 0; dx < 2; dx++)
                        {
                            byte v = x[((2 * oy + dy) * w + 2 * ox + dx) * channels + c];
                            best = Math.Max(best, signedValues ? (sbyte)v : v);
                        }
                    byte got = y[(oy * pw + ox) * channels + c];
                    Assert.Equal(best, signedValues ? (sbyte)got : got);
                }
    }
}
