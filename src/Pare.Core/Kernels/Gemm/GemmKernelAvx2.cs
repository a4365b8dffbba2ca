using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Pare.Core.Kernels.Gemm;

/// <summary>AVX2+FMA micro-kernel: a 6×16 tile of C in 12 ymm accumulators (two per row), fed per k step by two
/// aligned loads of the packed B panel and one broadcast per row of the packed A panel.</summary>
internal readonly struct GemmKernelAvx2 : IGemmMicroKernel
{
    public static int MR => 6;
    public static int NR => 16;
    public static int KC => 256;
    public static bool IsSupported => Fma.IsSupported && Avx2.IsSupported;
    public static bool HasQuad => true;

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static unsafe void RunQuad(int kc, float* a, float* b, float* c, int ldc, float alpha, float beta)
    {
        // 8 accumulators: per k step 2 B loads, 4 broadcasts, 8 FMAs (the A panel still advances by MR = 6)
        Vector256<float> c00 = default, c01 = default, c10 = default, c11 = default;
        Vector256<float> c20 = default, c21 = default, c30 = default, c31 = default;
        for (int p = 0; p < kc; p++)
        {
            var b0 = Avx.LoadAlignedVector256(b);
            var b1 = Avx.LoadAlignedVector256(b + 8);
            var a0 = Vector256.Create(a[0]);
            c00 = Fma.MultiplyAdd(a0, b0, c00);
            c01 = Fma.MultiplyAdd(a0, b1, c01);
            var a1 = Vector256.Create(a[1]);
            c10 = Fma.MultiplyAdd(a1, b0, c10);
            c11 = Fma.MultiplyAdd(a1, b1, c11);
            var a2 = Vector256.Create(a[2]);
            c20 = Fma.MultiplyAdd(a2, b0, c20);
            c21 = Fma.MultiplyAdd(a2, b1, c21);
            var a3 = Vector256.Create(a[3]);
            c30 = Fma.MultiplyAdd(a3, b0, c30);
            c31 = Fma.MultiplyAdd(a3, b1, c31);
            a += 6;
            b += 16;
        }
        var va = Vector256.Create(alpha);
        if (beta == 0)
        {
            Avx.Store(c, c00 * va);
            Avx.Store(c + 8, c01 * va);
            Avx.Store(c + ldc, c10 * va);
            Avx.Store(c + ldc + 8, c11 * va);
            Avx.Store(c + 2 * ldc, c20 * va);
            Avx.Store(c + 2 * ldc + 8, c21 * va);
            Avx.Store(c + 3 * ldc, c30 * va);
            Avx.Store(c + 3 * ldc + 8, c31 * va);
        }
        else
        {
            var vb = Vector256.Create(beta);
            Update(c + 0 * ldc, c00, c01, va, vb);
            Update(c + 1 * ldc, c10, c11, va, vb);
            Update(c + 2 * ldc, c20, c21, va, vb);
            Update(c + 3 * ldc, c30, c31, va, vb);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static unsafe void Run(int kc, float* a, float* b, float* c, int ldc, float alpha, float beta)
    {
        Vector256<float> c00 = default, c01 = default;
        Vector256<float> c10 = default, c11 = default;
        Vector256<float> c20 = default, c21 = default;
        Vector256<float> c30 = default, c31 = default;
        Vector256<float> c40 = default, c41 = default;
        Vector256<float> c50 = default, c51 = default;
        for (int p = 0; p < kc; p++)
        {
            var b0 = Avx.LoadAlignedVector256(b);
            var b1 = Avx.LoadAlignedVector256(b + 8);
            var a0 = Vector256.Create(a[0]);
            c00 = Fma.MultiplyAdd(a0, b0, c00);
            c01 = Fma.MultiplyAdd(a0, b1, c01);
            var a1 = Vector256.Create(a[1]);
            c10 = Fma.MultiplyAdd(a1, b0, c10);
            c11 = Fma.MultiplyAdd(a1, b1, c11);
            var a2 = Vector256.Create(a[2]);
            c20 = Fma.MultiplyAdd(a2, b0, c20);
            c21 = Fma.MultiplyAdd(a2, b1, c21);
            var a3 = Vector256.Create(a[3]);
            c30 = Fma.MultiplyAdd(a3, b0, c30);
            c31 = Fma.MultiplyAdd(a3, b1, c31);
            var a4 = Vector256.Create(a[4]);
            c40 = Fma.MultiplyAdd(a4, b0, c40);
            c41 = Fma.MultiplyAdd(a4, b1, c41);
            var a5 = Vector256.Create(a[5]);
            c50 = Fma.MultiplyAdd(a5, b0, c50);
            c51 = Fma.MultiplyAdd(a5, b1, c51);
            a += 6;
            b += 16;
        }
        var va = Vector256.Create(alpha);
        if (beta == 0)
        {
            Avx.Store(c + 0 * ldc, c00 * va);
            Avx.Store(c + 0 * ldc + 8, c01 * va);
            Avx.Store(c + 1 * ldc, c10 * va);
            Avx.Store(c + 1 * ldc + 8, c11 * va);
            Avx.Store(c + 2 * ldc, c20 * va);
            Avx.Store(c + 2 * ldc + 8, c21 * va);
            Avx.Store(c + 3 * ldc, c30 * va);
            Avx.Store(c + 3 * ldc + 8, c31 * va);
            Avx.Store(c + 4 * ldc, c40 * va);
            Avx.Store(c + 4 * ldc + 8, c41 * va);
            Avx.Store(c + 5 * ldc, c50 * va);
            Avx.Store(c + 5 * ldc + 8, c51 * va);
        }
        else
        {
            var vb = Vector256.Create(beta);
            Update(c + 0 * ldc, c00, c01, va, vb);
            Update(c + 1 * ldc, c10, c11, va, vb);
            Update(c + 2 * ldc, c20, c21, va, vb);
            Update(c + 3 * ldc, c30, c31, va, vb);
            Update(c + 4 * ldc, c40, c41, va, vb);
            Update(c + 5 * ldc, c50, c51, va, vb);
        }
    }

    // row = α·acc + β·row
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe void Update(float* row, Vector256<float> v0, Vector256<float> v1, Vector256<float> va, Vector256<float> vb)
    {
        Avx.Store(row, Fma.MultiplyAdd(v0, va, Avx.LoadVector256(row) * vb));
        Avx.Store(row + 8, Fma.MultiplyAdd(v1, va, Avx.LoadVector256(row + 8) * vb));
    }
}
