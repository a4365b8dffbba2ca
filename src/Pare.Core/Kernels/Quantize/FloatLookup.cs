using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Pare.Core.Kernels.Quantize;

/// <summary>y[i] = table[x[i]]: an elementwise float function of a byte tensor, tabulated once over the 256 byte values
/// (e.g. DequantizeLinear followed by float elementwise ops, whose result is read as float).</summary>
public static class FloatLookup
{
    /// <summary>Looks every byte up; eight at a time by vpgatherdd when AVX2 is there.</summary>
    /// <param name="x">bytes (uint8, or int8 reinterpreted: the table is indexed by the raw byte)</param>
    /// <param name="table">256 values</param>
    /// <param name="y">x.Length values</param>
    public static unsafe void Run(ReadOnlySpan<byte> x, ReadOnlySpan<float> table, Span<float> y)
    {
        if (table.Length != 256) throw new ArgumentException($"float lookup: table of {table.Length} values (256 expected)");
        if (y.Length < x.Length) throw new ArgumentException("float lookup: output too small");
        int i = 0;
        fixed (byte* px = x)
        fixed (float* pt = table)
        fixed (float* py = y)
        {
            if (Avx2.IsSupported)
                for (; i + 8 <= x.Length; i += 8)
                    Avx.Store(py + i, Avx2.GatherVector256(pt, Avx2.ConvertToVector256Int32(px + i), 4));
            for (; i < x.Length; i++) py[i] = pt[px[i]];
        }
    }

    /// <summary><see cref="Run"/> split over the worker threads in chunks of 64 Ki values.</summary>
    /// <param name="x">bytes</param>
    /// <param name="table">256 values</param>
    /// <param name="y">x.Length values</param>
    public static void RunParallel(ReadOnlySpan<byte> x, ReadOnlySpan<float> table, Span<float> y)
    {
        const int Chunk = 1 << 16;
        int chunks = (x.Length + Chunk - 1) / Chunk;
        if (chunks <= 1 || Threading.Parallelism.ThreadCount == 1)
        {
            Run(x, table, y);
            return;
        }
        unsafe
        {
            fixed (byte* px = x)
            fixed (float* pt = table)
            fixed (float* py = y)
            {
                nint xp = (nint)px, tp = (nint)pt, yp = (nint)py;
                int n = x.Length;
                Threading.Parallelism.For(chunks, c =>
                {
                    int start = c * Chunk, count = Math.Min(Chunk, n - start);
                    Run(new ReadOnlySpan<byte>((byte*)xp + start, count), new ReadOnlySpan<float>((float*)tp, 256), new Span<float>((float*)yp + start, count));
                });
            }
        }
    }
}
