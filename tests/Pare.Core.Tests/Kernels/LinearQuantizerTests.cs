using Pare.Core.Kernels.Quantize;
using Pare.Core.Random;

using Pare.Core.Tests.Support;

namespace Pare.Core.Tests.Kernels;

/// <summary>The vectorized quantize, dequantize and table lookup against their scalar definitions, over every length
/// 0..40 (the eight-lane body and its tail) and special values: ties, NaN, ±∞, huge values, both 8-bit types.</summary>
[Collection(nameof(ThreadCountSerial))]
public class LinearQuantizerTests
{
    private static readonly float[] Specials = [0f, -0f, 0.5f, 1.5f, 2.5f, -0.5f, -1.5f, 127.5f, 128.5f, 254.5f, float.NaN, float.PositiveInfinity, float.NegativeInfinity, 3e9f, -3e9f, 1e-30f];

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Quantize_matches_the_scalar_formula(bool signedOutput)
    {
        var rng = new Rng(5);
        for (int length = 0; length <= 40; length++)
        {
            var x = Enumerable.Range(0, length).Select(i => i % 5 == 0 ? Specials[rng.NextInt(Specials.Length)] : (rng.NextFloat() - 0.5f) * 80f).ToArray();
            const float scale = 0.25f;
            int zp = signedOutput ? -3 : 120;
            var y = new byte[length];
            LinearQuantizer.Quantize(x, scale, zp, signedOutput, y);
            for (int i = 0; i < length; i++)
            {
                int expected = LinearQuantizer.QuantizeOne(x[i], scale, zp, signedOutput ? -128 : 0, signedOutput ? 127 : 255);
                int got = signedOutput ? (sbyte)y[i] : y[i];
                Assert.True(expected == got, $"length {length}, x[{i}] = {x[i]}: {got} vs {expected}");
            }
        }
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Dequantize_matches_the_scalar_formula(bool signedInput)
    {
        var rng = new Rng(6);
        for (int length = 0; length <= 40; length++)
        {
            var x = Enumerable.Range(0, length).Select(_ => (byte)rng.NextInt(256)).ToArray();
            var y = new float[length];
            LinearQuantizer.Dequantize(x, signedInput, 0.037f, 9, y);
            for (int i = 0; i < length; i++) Assert.Equal(((signedInput ? (sbyte)x[i] : x[i]) - 9) * 0.037f, y[i]);
        }
    }

    [Theory]
    [InlineData(1, 1)]
    [InlineData(3, 1)]
    [InlineData(4, 5)]
    [InlineData(1, 100)]
    [InlineData(2, 130)]
    [InlineData(17, 1)]
    [InlineData(40, 1)]
    [InlineData(512, 1)]
    public void Lookup_uses_each_element_s_channel_table(int channels, int inner)
    {
        var rng = new Rng(7);
        var table = Enumerable.Range(0, channels * 256).Select(_ => (byte)rng.NextInt(256)).ToArray();
        int count = 2 * channels * inner + (inner == 1 ? 0 : 3);
        var x = Enumerable.Range(0, count).Select(_ => (byte)rng.NextInt(256)).ToArray();
        var y = new byte[count];
        LinearQuantizer.Lookup(x, table, channels, inner, y);
        for (int i = 0; i < count; i++) Assert.Equal(table[i / inner % channels * 256 + x[i]], y[i]);
    }

    // many rows along the last axis (the transposed VBMI path from 64 rows, the L1-blocked gathers below), rows not a
    // multiple of the 64-byte step, channels not a multiple of the 64-column block, a partial last row
    [Theory]
    [InlineData(130, 70, 0)]
    [InlineData(512, 64, 0)]
    [InlineData(67, 129, 5)]
    [InlineData(200, 40, 3)]
    public void Lookup_along_the_last_axis_over_many_rows(int channels, int rows, int extra)
    {
        var rng = new Rng((ulong)(channels * 1000 + rows + extra));
        var table = Enumerable.Range(0, channels * 256).Select(_ => (byte)rng.NextInt(256)).ToArray();
        int count = channels * rows + extra;
        var x = Enumerable.Range(0, count).Select(_ => (byte)rng.NextInt(256)).ToArray();
        var y = new byte[count];
        LinearQuantizer.Lookup(x, table, channels, 1, y);
        for (int i = 0; i < count; i++) Assert.Equal(table[i % channels * 256 + x[i]], y[i]);
    }

    // the split over the pool: one table (a tail past the 64-byte units), channel runs (batch of several images,
    // and a count that does not split into whole runs: serial), rows of the last axis
    [Theory]
    [InlineData(1, 1, 70001)]
    [InlineData(240, 3360, 2 * 240 * 3360)]
    [InlineData(240, 3360, 240 * 3360 + 5)]
    [InlineData(3, 30000, 3 * 30000)]
    [InlineData(120, 1, 120 * 600)]
    public void Parallel_lookup_matches_the_formula(int channels, int inner, int count)
    {
        var rng = new Rng(8);
        var table = Enumerable.Range(0, channels * 256).Select(_ => (byte)rng.NextInt(256)).ToArray();
        var x = Enumerable.Range(0, count).Select(_ => (byte)rng.NextInt(256)).ToArray();
        var y = new byte[count];
        ThreadCounts.With(2, () => LinearQuantizer.LookupParallel(x, table, channels, inner, y));
        for (int i = 0; i < count; i++) Assert.Equal(table[i / inner % channels * 256 + x[i]], y[i]);
    }

    // the pool's split gives the serial call's bytes and floats (lengths around the 64-value chunks, NaN and ±∞ inside)
    [Theory]
    [InlineData(65536, false)]
    [InlineData(100003, true)]
    [InlineData(1 << 18, false)]
    public void Parallel_quantize_and_dequantize_match_the_serial_calls(int count, bool signedValues)
    {
        var rng = new Rng((ulong)count);
        var x = Enumerable.Range(0, count).Select(_ => (rng.NextFloat() - 0.5f) * 600f).ToArray();
        x[70000 % count] = float.NaN;
        x[99999 % count] = float.PositiveInfinity;
        x[12345] = float.NegativeInfinity;
        byte[] serial = new byte[count], parallel = new byte[count];
        LinearQuantizer.Quantize(x, 0.37f, signedValues ? -3 : 120, signedValues, serial);
        ThreadCounts.With(2, () => LinearQuantizer.QuantizeParallel(x, 0.37f, signedValues ? -3 : 120, signedValues, parallel));
        Assert.Equal(serial, parallel);
        float[] back = new float[count], backParallel = new float[count];
        LinearQuantizer.Dequantize(serial, signedValues, 0.37f, signedValues ? -3 : 120, back);
        ThreadCounts.With(2, () => LinearQuantizer.DequantizeParallel(serial, signedValues, 0.37f, signedValues ? -3 : 120, backParallel));
        Assert.Equal(back, backParallel);
    }
}
