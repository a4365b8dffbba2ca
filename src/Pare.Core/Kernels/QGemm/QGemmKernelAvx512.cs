using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Pare.Core.Kernels.QGemm;

/// <summary>AVX-512BW micro-kernel (6×32 tile, 24 zmm accumulators), exact: per k quad four 32-byte loads of B
/// sign-extended to int16 (vpmovsxbw; 8 columns × 4 k each) and, per row, A's quad as four int16 broadcast
/// (vpbroadcastq) and four vpmaddwd + vpaddd. As in <see cref="QGemmKernelAvx2"/>, vpmaddwd on u8/s8 values
/// widened to int16 cannot saturate (|a·b + a'·b'| ≤ 65 280). Lanes (2j, 2j+1) of an accumulator hold column j's
/// sums over k pairs (0,1) and (2,3); the store adds them with two vpermt2d (even and odd lanes of two
/// accumulators) and one vpaddd.</summary>
/// <remarks>Used on CPUs with AVX-512 but no managed VNNI (e.g. Zen 4, whose AVX-512 VNNI .NET does not expose).
/// 24 multiply-adds of 32 MACs per k quad against 4 widening loads and 6 broadcasts.</remarks>
internal readonly struct QGemmKernelAvx512 : IQGemmMicroKernel
{
    public static int MR => 6;
    public static int NR => 32;
    public static bool IsSupported => Avx512BW.IsSupported;
    public static bool WideA => true;

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static unsafe void Run(int kq, byte* a, sbyte* b, int* c, int ldc)
    {
        Vector512<int> c00 = default, c01 = default, c02 = default, c03 = default;
        Vector512<int> c10 = default, c11 = default, c12 = default, c13 = default;
        Vector512<int> c20 = default, c21 = default, c22 = default, c23 = default;
        Vector512<int> c30 = default, c31 = default, c32 = default, c33 = default;
        Vector512<int> c40 = default, c41 = default, c42 = default, c43 = default;
        Vector512<int> c50 = default, c51 = default, c52 = default, c53 = default;
        for (int q = 0; q < kq; q++)
        {
            var b0 = Avx512BW.ConvertToVector512Int16(Avx.LoadVector256(b));
            var b1 = Avx512BW.ConvertToVector512Int16(Avx.LoadVector256(b + 32));
            var b2 = Avx512BW.ConvertToVector512Int16(Avx.LoadVector256(b + 64));
            var b3 = Avx512BW.ConvertToVector512Int16(Avx.LoadVector256(b + 96));
            var a0 = Vector512.Create(*(long*)(a + 0)).AsInt16();
            c00 = Avx512BW.Add(c00, Avx512BW.MultiplyAddAdjacent(b0, a0));
            c01 = Avx512BW.Add(c01, Avx512BW.MultiplyAddAdjacent(b1, a0));
            c02 = Avx512BW.Add(c02, Avx512BW.MultiplyAddAdjacent(b2, a0));
            c03 = Avx512BW.Add(c03, Avx512BW.MultiplyAddAdjacent(b3, a0));
            var a1 = Vector512.Create(*(long*)(a + 8)).AsInt16();
            c10 = Avx512BW.Add(c10, Avx512BW.MultiplyAddAdjacent(b0, a1));
            c11 = Avx512BW.Add(c11, Avx512BW.MultiplyAddAdjacent(b1, a1));
            c12 = Avx512BW.Add(c12, Avx512BW.MultiplyAddAdjacent(b2, a1));
            c13 = Avx512BW.Add(c13, Avx512BW.MultiplyAddAdjacent(b3, a1));
            var a2 = Vector512.Create(*(long*)(a + 16)).AsInt16();
            c20 = Avx512BW.Add(c20, Avx512BW.MultiplyAddAdjacent(b0, a2));
            c21 = Avx512BW.Add(c21, Avx512BW.MultiplyAddAdjacent(b1, a2));
            c22 = Avx512BW.Add(c22, Avx512BW.MultiplyAddAdjacent(b2, a2));
            c23 = Avx512BW.Add(c23, Avx512BW.MultiplyAddAdjacent(b3, a2));
            var a3 = Vector512.Create(*(long*)(a + 24)).AsInt16();
            c30 = Avx512BW.Add(c30, Avx512BW.MultiplyAddAdjacent(b0, a3));
            c31 = Avx512BW.Add(c31, Avx512BW.MultiplyAddAdjacent(b1, a3));
            c32 = Avx512BW.Add(c32, Avx512BW.MultiplyAddAdjacent(b2, a3));
            c33 = Avx512BW.Add(c33, Avx512BW.MultiplyAddAdjacent(b3, a3));
            var a4 = Vector512.Create(*(long*)(a + 32)).AsInt16();
            c40 = Avx512BW.Add(c40, Avx512BW.MultiplyAddAdjacent(b0, a4));
            c41 = Avx512BW.Add(c41, Avx512BW.MultiplyAddAdjacent(b1, a4));
            c42 = Avx512BW.Add(c42, Avx512BW.MultiplyAddAdjacent(b2, a4));
            c43 = Avx512BW.Add(c43, Avx512BW.MultiplyAddAdjacent(b3, a4));
            var a5 = Vector512.Create(*(long*)(a + 40)).AsInt16();
            c50 = Avx512BW.Add(c50, Avx512BW.MultiplyAddAdjacent(b0, a5));
            c51 = Avx512BW.Add(c51, Avx512BW.MultiplyAddAdjacent(b1, a5));
            c52 = Avx512BW.Add(c52, Avx512BW.MultiplyAddAdjacent(b2, a5));
            c53 = Avx512BW.Add(c53, Avx512BW.MultiplyAddAdjacent(b3, a5));
            a += 48;
            b += QGemmPackedB.PanelWidth * 4;
        }
        var even = Vector512.Create(0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30);
        var odd = Vector512.Create(1, 3, 5, 7, 9, 11, 13, 15, 17, 19, 21, 23, 25, 27, 29, 31);
        Store(c + 0 * ldc, c00, c01, c02, c03, even, odd);
        Store(c + 1 * ldc, c10, c11, c12, c13, even, odd);
        Store(c + 2 * ldc, c20, c21, c22, c23, even, odd);
        Store(c + 3 * ldc, c30, c31, c32, c33, even, odd);
        Store(c + 4 * ldc, c40, c41, c42, c43, even, odd);
        Store(c + 5 * ldc, c50, c51, c52, c53, even, odd);
    }

    // columns 0–15 from (v0, v1), 16–31 from (v2, v3): even lanes + odd lanes of each pair
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe void Store(int* row, Vector512<int> v0, Vector512<int> v1, Vector512<int> v2, Vector512<int> v3,
        Vector512<int> even, Vector512<int> odd)
    {
        Avx512F.Store(row, Avx512F.Add(Avx512F.PermuteVar16x32x2(v0, even, v1), Avx512F.PermuteVar16x32x2(v0, odd, v1)));
        Avx512F.Store(row + 16, Avx512F.Add(Avx512F.PermuteVar16x32x2(v2, even, v3), Avx512F.PermuteVar16x32x2(v2, odd, v3)));
    }
}
