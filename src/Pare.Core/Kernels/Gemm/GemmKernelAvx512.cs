using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Pare.Core.Kernels.Gemm;

/// <summary>AVX-512 micro-kernel: a 12×32 tile of C in 24 zmm accumulators (two per row), fed per k step by
/// two aligned loads of the packed B panel and one broadcast per row of the packed A panel.</summary>
internal readonly struct GemmKernelAvx512 : IGemmMicroKernel
{
    public static int MR => 12;
    public static int NR => 32;
    public static int KC => 384;
    public static bool IsSupported => Avx512F.IsSupported;
    public static bool HasQuad => true;

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static unsafe void RunQuad(int kc, float* a, float* b, float* c, int ldc, float alpha, float beta)
    {
        // 8 accumulators: per k step 2 B loads, 4 broadcasts, 8 FMAs (the A panel still advances by MR = 12)
        Vector512<float> c00 = default, c01 = default, c10 = default, c11 = default;
        Vector512<float> c20 = default, c21 = default, c30 = default, c31 = default;
        for (int p = 0; p < kc; p++)
        {
            var b0 = Avx512F.LoadAlignedVector512(b);
            var b1 = Avx512F.LoadAlignedVector512(b + 16);
            var a0 = Vector512.Create(a[0]);
            c00 = Avx512F.FusedMultiplyAdd(a0, b0, c00);
            c01 = Avx512F.FusedMultiplyAdd(a0, b1, c01);
            var a1 = Vector512.Create(a[1]);
            c10 = Avx512F.FusedMultiplyAdd(a1, b0, c10);
            c11 = Avx512F.FusedMultiplyAdd(a1, b1, c11);
            var a2 = Vector512.Create(a[2]);
            c20 = Avx512F.FusedMultiplyAdd(a2, b0, c20);
            c21 = Avx512F.FusedMultiplyAdd(a2, b1, c21);
            var a3 = Vector512.Create(a[3]);
            c30 = Avx512F.FusedMultiplyAdd(a3, b0, c30);
            c31 = Avx512F.FusedMultiplyAdd(a3, b1, c31);
            a += 12;
            b += 32;
        }
        var va = Vector512.Create(alpha);
        if (beta == 0)
        {
            Store(c + 0 * ldc, c00 * va, c01 * va);
            Store(c + 1 * ldc, c10 * va, c11 * va);
            Store(c + 2 * ldc, c20 * va, c21 * va);
            Store(c + 3 * ldc, c30 * va, c31 * va);
        }
        else
        {
            var vb = Vector512.Create(beta);
            Update(c + 0 * ldc, c00, c01, va, vb);
            Update(c + 1 * ldc, c10, c11, va, vb);
            Update(c + 2 * ldc, c20, c21, va, vb);
            Update(c + 3 * ldc, c30, c31, va, vb);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static unsafe void Run(int kc, float* a, float* b, float* c, int ldc, float alpha, float beta)
    {
        Vector512<float> c00 = default, c01 = default;
        Vector512<float> c10 = default, c11 = default;
        Vector512<float> c20 = default, c21 = default;
        Vector512<float> c30 = default, c31 = default;
        Vector512<float> c40 = default, c41 = default;
        Vector512<float> c50 = default, c51 = default;
        Vector512<float> c60 = default, c61 = default;
        Vector512<float> c70 = default, c71 = default;
        Vector512<float> c80 = default, c81 = default;
        Vector512<float> c90 = default, c91 = default;
        Vector512<float> c100 = default, c101 = default;
        Vector512<float> c110 = default, c111 = default;
        for (int p = 0; p < kc; p++)
        {
            // one k step: row i of the tile gains A[i,p]·B[p, 0..31]; the broadcast folds into the FMA
            var b0 = Avx512F.LoadAlignedVector512(b);
            var b1 = Avx512F.LoadAlignedVector512(b + 16);
            var a0 = Vector512.Create(a[0]);
            c00 = Avx512F.FusedMultiplyAdd(a0, b0, c00);
            c01 = Avx512F.FusedMultiplyAdd(a0, b1, c01);
            var a1 = Vector512.Create(a[1]);
            c10 = Avx512F.FusedMultiplyAdd(a1, b0, c10);
            c11 = Avx512F.FusedMultiplyAdd(a1, b1, c11);
            var a2 = Vector512.Create(a[2]);
            c20 = Avx512F.FusedMultiplyAdd(a2, b0, c20);
            c21 = Avx512F.FusedMultiplyAdd(a2, b1, c21);
            var a3 = Vector512.Create(a[3]);
            c30 = Avx512F.FusedMultiplyAdd(a3, b0, c30);
            c31 = Avx512F.FusedMultiplyAdd(a3, b1, c31);
            var a4 = Vector512.Create(a[4]);
            c40 = Avx512F.FusedMultiplyAdd(a4, b0, c40);
            c41 = Avx512F.FusedMultiplyAdd(a4, b1, c41);
            var a5 = Vector512.Create(a[5]);
            c50 = Avx512F.FusedMultiplyAdd(a5, b0, c50);
            c51 = Avx512F.FusedMultiplyAdd(a5, b1, c51);
            var a6 = Vector512.Create(a[6]);
            c60 = Avx512F.FusedMultiplyAdd(a6, b0, c60);
            c61 = Avx512F.FusedMultiplyAdd(a6, b1, c61);
            var a7 = Vector512.Create(a[7]);
            c70 = Avx512F.FusedMultiplyAdd(a7, b0, c70);
            c71 = Avx512F.FusedMultiplyAdd(a7, b1, c71);
            var a8 = Vector512.Create(a[8]);
            c80 = Avx512F.FusedMultiplyAdd(a8, b0, c80);
            c81 = Avx512F.FusedMultiplyAdd(a8, b1, c81);
            var a9 = Vector512.Create(a[9]);
            c90 = Avx512F.FusedMultiplyAdd(a9, b0, c90);
            c91 = Avx512F.FusedMultiplyAdd(a9, b1, c91);
            var a10 = Vector512.Create(a[10]);
            c100 = Avx512F.FusedMultiplyAdd(a10, b0, c100);
            c101 = Avx512F.FusedMultiplyAdd(a10, b1, c101);
            var a11 = Vector512.Create(a[11]);
            c110 = Avx512F.FusedMultiplyAdd(a11, b0, c110);
            c111 = Avx512F.FusedMultiplyAdd(a11, b1, c111);
            a += 12;
            b += 32;
        }
        var va = Vector512.Create(alpha);
        if (beta == 0)
        {
            Store(c + 0 * ldc, c00 * va, c01 * va);
            Store(c + 1 * ldc, c10 * va, c11 * va);
            Store(c + 2 * ldc, c20 * va, c21 * va);
            Store(c + 3 * ldc, c30 * va, c31 * va);
            Store(c + 4 * ldc, c40 * va, c41 * va);
            Store(c + 5 * ldc, c50 * va, c51 * va);
            Store(c + 6 * ldc, c60 * va, c61 * va);
            Store(c + 7 * ldc, c70 * va, c71 * va);
            Store(c + 8 * ldc, c80 * va, c81 * va);
            Store(c + 9 * ldc, c90 * va, c91 * va);
            Store(c + 10 * ldc, c100 * va, c101 * va);
            Store(c + 11 * ldc, c110 * va, c111 * va);
        }
        else
        {
            var vb = Vector512.Create(beta);
            Update(c + 0 * ldc, c00, c01, va, vb);
            Update(c + 1 * ldc, c10, c11, va, vb);
            Update(c + 2 * ldc, c20, c21, va, vb);
            Update(c + 3 * ldc, c30, c31, va, vb);
            Update(c + 4 * ldc, c40, c41, va, vb);
            Update(c + 5 * ldc, c50, c51, va, vb);
            Update(c + 6 * ldc, c60, c61, va, vb);
            Update(c + 7 * ldc, c70, c71, va, vb);
            Update(c + 8 * ldc, c80, c81, va, vb);
            Update(c + 9 * ldc, c90, c91, va, vb);
            Update(c + 10 * ldc, c100, c101, va, vb);
            Update(c + 11 * ldc, c110, c111, va, vb);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe void Store(float* row, Vector512<float> v0, Vector512<float> v1)
    {
        Avx512F.Store(row, v0);
        Avx512F.Store(row + 16, v1);
    }

    // row = α·acc + β·row
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe void Update(float* row, Vector512<float> v0, Vector512<float> v1, Vector512<float> va, Vector512<float> vb)
    {
        Avx512F.Store(row, Avx512F.FusedMultiplyAdd(v0, va, Avx512F.LoadVector512(row) * vb));
        Avx512F.Store(row + 16, Avx512F.FusedMultiplyAdd(v1, va, Avx512F.LoadVector512(row + 16) * vb));
    }
}
