using Pare.Core.Kernels.Indexing;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using Pare.Core.Threading;

namespace Pare.Core.Kernels.Quantize;

/// <summary>Per-tensor 8-bit quantization kernels, as ONNX defines them: quantize y = saturate(round_half_even(x / s)
/// + z), dequantize y = (x − z)·s (float32 arithmetic), and a 256-entry table lookup per channel (an elementwise
/// function of a quantized value, tabulated once). AVX2 bodies eight values per step, with the scalar twins'
/// arithmetic exactly (float division, no FMA), so both give the same bits.</summary>
public static class LinearQuantizer
{
    /// <summary>y = saturate(round_half_even(x / scale) + zeroPoint) to int8 or uint8 (NaN → 0 as the scalar
    /// conversion gives).</summary>
    /// <param name="x">values</param>
    /// <param name="scale">scale</param>
    /// <param name="zeroPoint">zero point</param>
    /// <param name="signedOutput">int8 (else uint8)</param>
    /// <param name="y">output bytes (as many as x)</param>
    public static unsafe void Quantize(ReadOnlySpan<float> x, float scale, int zeroPoint, bool signedOutput, Span<byte> y)
    {
        if (y.Length < x.Length) throw new ArgumentException($"quantize: {y.Length} outputs for {x.Length} values");
        int lo = signedOutput ? sbyte.MinValue : 0, hi = signedOutput ? sbyte.MaxValue : byte.MaxValue;
        int i = 0;
        fixed (float* px = x)
        fixed (byte* py = y)
        {
            if (Avx2.IsSupported)
            {
                var vs = Vector256.Create(scale);
                var vz = Vector256.Create((float)zeroPoint);
                var vlo = Vector256.Create((float)lo);
                var vhi = Vector256.Create((float)hi);
                for (; i + 8 <= x.Length; i += 8)
                {
                    var q = Avx.RoundToNearestInteger(Avx.Divide(Avx.LoadVector256(px + i), vs));
                    if (Avx.MoveMask(Avx.CompareUnordered(q, q)) != 0) break; // NaN: the scalar loop finishes
                    // |q| ≥ 2^24 is far outside [lo, hi] either way, so q + z in float clamps like the double sum
                    var v = Avx.ConvertToVector256Int32WithTruncation(Avx.Max(Avx.Min(Avx.Add(q, vz), vhi), vlo));
                    var s = Sse2.PackSignedSaturate(v.GetLower(), v.GetUpper());
                    var b = signedOutput ? Sse2.PackSignedSaturate(s, s).AsByte() : Sse2.PackUnsignedSaturate(s, s);
                    *(ulong*)(py + i) = b.AsUInt64().ToScalar();
                }
            }
            for (; i < x.Length; i++) py[i] = (byte)QuantizeOne(px[i], scale, zeroPoint, lo, hi);
        }
    }

    /// <summary>Scalar quantization of one value, in double as ONNX's reference.</summary>
    /// <param name="x">value</param>
    /// <param name="scale">scale</param>
    /// <param name="zeroPoint">zero point</param>
    /// <param name="lo">lowest output</param>
    /// <param name="hi">highest output</param>
    /// <returns>the quantized value</returns>
    public static int QuantizeOne(float x, float scale, int zeroPoint, int lo, int hi) =>
        (int)Math.Clamp(Math.Round((double)(x / scale), MidpointRounding.ToEven) + zeroPoint, lo, hi);

    /// <summary>y = (x − zeroPoint)·scale.</summary>
    /// <param name="x">int8 or uint8 values (as bytes)</param>
    /// <param name="signedInput">x is int8</param>
    /// <param name="scale">scale</param>
    /// <param name="zeroPoint">zero point</param>
    /// <param name="y">output (as many as x)</param>
    public static unsafe void Dequantize(ReadOnlySpan<byte> x, bool signedInput, float scale, int zeroPoint, Span<float> y)
    {
        if (y.Length < x.Length) throw new ArgumentException($"dequantize: {y.Length} outputs for {x.Length} values");
        int i = 0;
        fixed (byte* px = x)
        fixed (float* py = y)
        {
            if (Avx2.IsSupported)
            {
                var vs = Vector256.Create(scale);
                var vz = Vector256.Create(zeroPoint);
                for (; i + 8 <= x.Length; i += 8)
                {
                    var v = signedInput ? Avx2.ConvertToVector256Int32((sbyte*)px + i) : Avx2.ConvertToVector256Int32(px + i);
                    Avx.Store(py + i, Avx.Multiply(Avx.ConvertToVector256Single(Avx2.Subtract(v, vz)), vs));
                }
            }
            if (signedInput) for (; i < x.Length; i++) py[i] = ((sbyte)px[i] - zeroPoint) * scale;
            else for (; i < x.Length; i++) py[i] = (px[i] - zeroPoint) * scale;
        }
    }

    /// <summary><see cref="Quantize"/> split over the compute pool in 64-value chunks (elementwise, so the same bytes).</summary>
    /// <param name="x">values</param>
    /// <param name="scale">scale</param>
    /// <param name="zeroPoint">zero point</param>
    /// <param name="signedOutput">int8 (else uint8)</param>
    /// <param name="y">output bytes (as many as x)</param>
    public static unsafe void QuantizeParallel(ReadOnlySpan<float> x, float scale, int zeroPoint, bool signedOutput, Span<byte> y)
    {
        if (y.Length < x.Length) throw new ArgumentException($"quantize: {y.Length} outputs for {x.Length} values");
        fixed (float* px = x)
        fixed (byte* py = y)
        {
            float* xs = px;
            byte* ys = py;
            ForChunks(x.Length, (start, end) =>
                Quantize(new ReadOnlySpan<float>(xs + start, end - start), scale, zeroPoint, signedOutput, new Span<byte>(ys + start, end - start)));
        }
    }

    /// <summary><see cref="Dequantize"/> split over the compute pool in 64-value chunks (elementwise, so the same bits).</summary>
    /// <param name="x">int8 or uint8 values (as bytes)</param>
    /// <param name="signedInput">x is int8</param>
    /// <param name="scale">scale</param>
    /// <param name="zeroPoint">zero point</param>
    /// <param name="y">output (as many as x)</param>
    public static unsafe void DequantizeParallel(ReadOnlySpan<byte> x, bool signedInput, float scale, int zeroPoint, Span<float> y)
    {
        if (y.Length < x.Length) throw new ArgumentException($"dequantize: {y.Length} outputs for {x.Length} values");
        fixed (byte* px = x)
        fixed (float* py = y)
        {
            byte* xs = px;
            float* ys = py;
            ForChunks(x.Length, (start, end) =>
                Dequantize(new ReadOnlySpan<byte>(xs + start, end - start), signedInput, scale, zeroPoint, new Span<float>(ys + start, end - start)));
        }
    }

    // body(start, end) over [0, n): one call when the pool has one thread or n is small, else 2 tasks per thread on
    // boundaries at multiples of 64
    private static void ForChunks(int n, Action<int, int> body)
    {
        int tasks = Tasks(n);
        if (tasks == 1)
        {
            body(0, n);
            return;
        }
        Parallelism.For(tasks, t =>
        {
            var (start, end) = Chunk(n, tasks, t);
            body(start, end);
        });
    }

    private static int Tasks(int n) => Parallelism.ThreadCount == 1 || n < 1 << 16 ? 1 : 2 * Parallelism.ThreadCount;

    // task t's range of n values, boundaries on multiples of 64
    private static (int Start, int End) Chunk(int n, int tasks, int t)
    {
        long blocks = (n + 63) / 64;
        int start = (int)Math.Min(n, blocks * t / tasks * 64), end = t == tasks - 1 ? n : (int)Math.Min(n, blocks * (t + 1) / tasks * 64);
        return (start, end);
    }

    /// <summary>y[i] = table[channel(i)·256 + x[i]]: per-tensor (one table) or per channel, where element i's channel
    /// is i / inner mod channels (the layout of a channel axis with <paramref name="inner"/> elements after it).</summary>
    /// <param name="x">input bytes (an int8 input is looked up as its byte, the table ordered alike)</param>
    /// <param name="table">channels·256 output bytes</param>
    /// <param name="channels">tables</param>
    /// <param name="inner">elements per channel run</param>
    /// <param name="y">output (as many as x)</param>
    public static void Lookup(ReadOnlySpan<byte> x, ReadOnlySpan<byte> table, int channels, int inner, Span<byte> y)
    {
        if (y.Length < x.Length) throw new ArgumentException($"lookup: {y.Length} outputs for {x.Length} values");
        if (channels < 1 || table.Length < channels * 256 || inner < 1) throw new ArgumentException($"lookup: {table.Length} table bytes for {channels} channels");
        if (channels == 1)
        {
            Run(x, table, y);
            return;
        }
        if (inner == 1)
        {
            if (Avx512Vbmi.IsSupported && x.Length / channels >= 64)
            {
                ColumnMajor(x, table, channels, x.Length / channels, y);
                for (int j = 0, k = x.Length / channels * channels; k < x.Length; j++, k++) y[k] = table[(j << 8) | x[k]];
                return;
            }
            // the last axis: rows of `channels` values, value j looked up in table j; in blocks of 64 columns over
            // all rows, so that the block's 16 KB of tables stay in L1 (a (512, 256) table set is 128 KB)
            const int Block = 64;
            int rows = x.Length / channels, at;
            for (int c0 = 0; c0 < channels; c0 += Block)
            {
                int width = Math.Min(Block, channels - c0);
                var tables = table.Slice(c0 << 8, width << 8);
                for (int r = 0; r < rows; r++)
                {
                    at = r * channels + c0;
                    int j = LastAxisRow(x.Slice(at, width), tables, y.Slice(at, width));
                    for (; j < width; j++) y[at + j] = tables[(j << 8) | x[at + j]];
                }
            }
            at = rows * channels;
            for (int j = 0; at < x.Length; j++, at++) y[at] = table[(j << 8) | x[at]];
            return;
        }
        for (int start = 0, c = 0; start < x.Length; start += inner, c = c + 1 == channels ? 0 : c + 1)
        {
            int end = Math.Min(x.Length, start + inner);
            Run(x[start..end], table.Slice(c * 256, 256), y[start..end]);
        }
    }

    // rows × channels along the last axis with AVX-512 VBMI: transposed so that each channel's values are contiguous,
    // looked up 64 per step in the channel's one table (Run: vpermi2b, no gathers), transposed back
    private static void ColumnMajor(ReadOnlySpan<byte> x, ReadOnlySpan<byte> table, int channels, int rows, Span<byte> y)
    {
        int n = rows * channels;
        var buffer = System.Buffers.ArrayPool<byte>.Shared.Rent(2 * n);
        try
        {
            var xt = buffer.AsSpan(0, n);
            var yt = buffer.AsSpan(n, n);
            ByteTranspose.Run(x[..n], rows, channels, xt);
            for (int j = 0; j < channels; j++) Run(xt.Slice(j * rows, rows), table.Slice(j << 8, 256), yt.Slice(j * rows, rows));
            ByteTranspose.Run(yt, channels, rows, y);
        }
        finally
        {
            System.Buffers.ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary><see cref="Lookup"/> split over the compute pool in whole units (64-byte runs of one table, whole
    /// channel runs, or whole rows of the last axis), so every element sees the same table as in the serial call.</summary>
    /// <param name="x">input bytes</param>
    /// <param name="table">channels·256 output bytes</param>
    /// <param name="channels">tables</param>
    /// <param name="inner">elements per channel run</param>
    /// <param name="y">output (as many as x)</param>
    public static unsafe void LookupParallel(ReadOnlySpan<byte> x, ReadOnlySpan<byte> table, int channels, int inner, Span<byte> y)
    {
        if (y.Length < x.Length) throw new ArgumentException($"lookup: {y.Length} outputs for {x.Length} values");
        if (channels < 1 || table.Length < channels * 256 || inner < 1) throw new ArgumentException($"lookup: {table.Length} table bytes for {channels} channels");
        // unit: elements one task takes whole; the serial call keeps everything that does not split evenly
        long unit = channels == 1 ? 64 : inner == 1 ? channels : inner;
        int threads = Parallelism.ThreadCount, n = x.Length;
        long units = n / unit;
        if (threads == 1 || n < 1 << 16 || units < 2 || (channels > 1 && n % unit != 0))
        {
            Lookup(x, table, channels, inner, y);
            return;
        }
        int tasks = (int)Math.Min(units, 2 * threads);
        fixed (byte* px = x)
        fixed (byte* pt = table)
        fixed (byte* py = y)
        {
            byte* xs = px, ts = pt, ys = py;
            int tableLength = channels * 256;
            Parallelism.For(tasks, t =>
            {
                long u0 = units * t / tasks, u1 = units * (t + 1) / tasks;
                int start = (int)(u0 * unit), end = t == tasks - 1 ? n : (int)(u1 * unit);
                var xt = new ReadOnlySpan<byte>(xs + start, end - start);
                var yt = new Span<byte>(ys + start, end - start);
                var tab = new ReadOnlySpan<byte>(ts, tableLength);
                if (channels == 1 || inner == 1) Lookup(xt, tab, channels, inner, yt);
                else
                    for (long p = u0; p < u1; p++)
                        Run(xt.Slice((int)((p - u0) * inner), inner), tab.Slice((int)(p % channels) * 256, 256), yt.Slice((int)((p - u0) * inner), inner));
            });
        }
    }

    // one row along the last axis, y[j] = table[j·256 + x[j]], sixteen columns per step as two AVX2 gathers of
    // dwords at those byte offsets (low bytes kept, packed in order); the gather reads 3 bytes past each entry, so
    // the last table is left to the scalar loop; returns the columns done
    private static unsafe int LastAxisRow(ReadOnlySpan<byte> x, ReadOnlySpan<byte> table, Span<byte> y)
    {
        int j = 0, vectorEnd = (x.Length - 1) & ~15;
        if (!Avx2.IsSupported || vectorEnd <= 0) return 0;
        fixed (byte* px = x)
        fixed (byte* pt = table)
        fixed (byte* py = y)
        {
            var offsets = Vector256.Create(0, 256, 512, 768, 1024, 1280, 1536, 1792);
            var step = Vector256.Create(8 << 8);
            var low = Vector256.Create(0xFF);
            for (; j < vectorEnd; j += 16)
            {
                var at = Avx2.Add(offsets, Vector256.Create(j << 8));
                var i0 = Avx2.GatherVector256((int*)pt, Avx2.Add(Avx2.ConvertToVector256Int32(px + j), at), 1);
                var i1 = Avx2.GatherVector256((int*)pt, Avx2.Add(Avx2.ConvertToVector256Int32(px + j + 8), Avx2.Add(at, step)), 1);
                // packssdw interleaves the 128-bit lanes; vpermq restores column order
                var w = Avx2.Permute4x64(Avx2.PackSignedSaturate(Avx2.And(i0, low), Avx2.And(i1, low)).AsInt64(), 0b11_01_10_00).AsInt16();
                Sse2.Store(py + j, Sse2.PackUnsignedSaturate(w.GetLower(), w.GetUpper()));
            }
        }
        return j;
    }

    // y[i] = t[x[i]] for one 256-byte table; with AVX-512 VBMI 64 bytes per step: two vpermi2b over the table's
    // halves (7-bit indices) and a select on bit 7
    private static unsafe void Run(ReadOnlySpan<byte> x, ReadOnlySpan<byte> t, Span<byte> y)
    {
        int i = 0, n = x.Length;
        fixed (byte* px = x)
        fixed (byte* pt = t)
        fixed (byte* py = y)
        {
            if (Avx512Vbmi.IsSupported && n >= 64)
            {
                var t0 = Vector512.Load(pt);
                var t1 = Vector512.Load(pt + 64);
                var t2 = Vector512.Load(pt + 128);
                var t3 = Vector512.Load(pt + 192);
                for (; i + 64 <= n; i += 64)
                {
                    var idx = Vector512.Load(px + i);
                    var lo = Avx512Vbmi.PermuteVar64x8x2(t0, idx, t1);
                    var hi = Avx512Vbmi.PermuteVar64x8x2(t2, idx, t3);
                    Vector512.ConditionalSelect(Vector512.LessThan(idx.AsSByte(), Vector512<sbyte>.Zero).AsByte(), hi, lo).Store(py + i);
                }
            }
            for (; i < n; i++) py[i] = pt[px[i]];
        }
    }
}
