using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Pare.Core.Kernels.QGemm;

/// <summary>AVX-VNNI micro-kernel (4×8 tile, four ymm accumulators): per k quad one 32-byte load of B (8 columns ×
/// 4 k) and, per row, one broadcast of A's 4 bytes and one vpdpbusd (u8·s8, four products summed into each int32
/// lane without saturation: exact).</summary>
/// <remarks>.NET 10 exposes VNNI only as the VEX-encoded <see cref="AvxVnni"/> (Intel Alder Lake and later, AMD Zen 5);
/// AVX-512 VNNI (Zen 4, Ice Lake server) has no managed API, so on those CPUs <see cref="QGemmKernelAvx512"/> runs.
/// This kernel cannot run on the development machine (Zen 4): it is kept as small as the scalar 4×8 twin it mirrors
/// (same tile, same packed layouts; only the A packing is bytes instead of int16), and the tests run it wherever
/// IsSupported.</remarks>
internal readonly struct QGemmKernelAvxVnni : IQGemmMicroKernel
{
    public static int MR => 4;
    public static int NR => 8;
    public static bool IsSupported => AvxVnni.IsSupported;
    public static bool WideA => false;

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static unsafe void Run(int kq, byte* a, sbyte* b, int* c, int ldc)
    {
        Vector256<int> c0 = default, c1 = default, c2 = default, c3 = default;
        for (int q = 0; q < kq; q++)
        {
            var bv = Avx.LoadVector256(b);  // lane j: B[4q..4q+3, j]
            c0 = AvxVnni.MultiplyWideningAndAdd(c0, Vector256.Create(*(int*)a).AsByte(), bv);
            c1 = AvxVnni.MultiplyWideningAndAdd(c1, Vector256.Create(*(int*)(a + 4)).AsByte(), bv);
            c2 = AvxVnni.MultiplyWideningAndAdd(c2, Vector256.Create(*(int*)(a + 8)).AsByte(), bv);
            c3 = AvxVnni.MultiplyWideningAndAdd(c3, Vector256.Create(*(int*)(a + 12)).AsByte(), bv);
            a += 16;
            b += QGemmPackedB.PanelWidth * 4;
        }
        Avx.Store(c, c0);
        Avx.Store(c + ldc, c1);
        Avx.Store(c + 2 * ldc, c2);
        Avx.Store(c + 3 * ldc, c3);
    }
}
