using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Pare.Core.Kernels.QGemm;

/// <summary>AVX2 micro-kernel (4×8 tile, eight ymm accumulators), exact: per k quad two 16-byte loads of B
/// sign-extended to int16 (vpmovsxbw: columns 0–3 and 4–7, four k each) and, per row, A's quad as four int16
/// broadcast (vpbroadcastq) and two vpmaddwd. vpmaddwd forms a·b + a'·b' in int32 from int16 inputs: with a ≤ 255
/// and |b| ≤ 128 the sum is at most 65 280 in magnitude, so nothing saturates (vpmaddubsw would: it sums two u8·s8
/// products in int16, ±65 280 does not fit). Each column ends with two partial sums (k pairs 0–1 and 2–3) that one
/// vphaddd per row adds.</summary>
internal readonly struct QGemmKernelAvx2 : IQGemmMicroKernel
{
    public static int MR => 4;
    public static int NR => 8;
    public static bool IsSupported => Avx2.IsSupported;
    public static bool WideA => true;

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static unsafe void Run(int kq, byte* a, sbyte* b, int* c, int ldc)
    {
        Vector256<int> c00 = default, c01 = default, c10 = default, c11 = default;
        Vector256<int> c20 = default, c21 = default, c30 = default, c31 = default;
        for (int q = 0; q < kq; q++)
        {
            // lanes (2j, 2j+1) of b0 hold B[4q..4q+1, j] and B[4q+2..4q+3, j] for columns j = 0..3; b1 for 4..7
            var b0 = Avx2.ConvertToVector256Int16(b);
            var b1 = Avx2.ConvertToVector256Int16(b + 16);
            var a0 = Vector256.Create(*(long*)a).AsInt16();
            c00 = Avx2.Add(c00, Avx2.MultiplyAddAdjacent(b0, a0));
            c01 = Avx2.Add(c01, Avx2.MultiplyAddAdjacent(b1, a0));
            var a1 = Vector256.Create(*(long*)(a + 8)).AsInt16();
            c10 = Avx2.Add(c10, Avx2.MultiplyAddAdjacent(b0, a1));
            c11 = Avx2.Add(c11, Avx2.MultiplyAddAdjacent(b1, a1));
            var a2 = Vector256.Create(*(long*)(a + 16)).AsInt16();
            c20 = Avx2.Add(c20, Avx2.MultiplyAddAdjacent(b0, a2));
            c21 = Avx2.Add(c21, Avx2.MultiplyAddAdjacent(b1, a2));
            var a3 = Vector256.Create(*(long*)(a + 24)).AsInt16();
            c30 = Avx2.Add(c30, Avx2.MultiplyAddAdjacent(b0, a3));
            c31 = Avx2.Add(c31, Avx2.MultiplyAddAdjacent(b1, a3));
            a += 32;
            b += QGemmPackedB.PanelWidth * 4;
        }
        Avx.Store(c, Columns(c00, c01));
        Avx.Store(c + ldc, Columns(c10, c11));
        Avx.Store(c + 2 * ldc, Columns(c20, c21));
        Avx.Store(c + 3 * ldc, Columns(c30, c31));
    }

    // vphaddd works per 128-bit lane: (c0 c1 c4 c5 | c2 c3 c6 c7); vpermq puts the quarters back in column order
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<int> Columns(Vector256<int> lo, Vector256<int> hi) =>
        Avx2.Permute4x64(Avx2.HorizontalAdd(lo, hi).AsInt64(), 0b11_01_10_00).AsInt32();
}
