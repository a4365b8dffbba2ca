using System.Runtime.CompilerServices;

namespace Pare.Core.Kernels.Gemm;

/// <summary>Portable micro-kernel for CPUs without AVX2/AVX-512 (or with intrinsics switched off): a 4×4 tile of C
/// in 16 scalar accumulators.</summary>
internal readonly struct GemmKernelScalar : IGemmMicroKernel
{
    public static int MR => 4;
    public static int NR => 4;
    public static int KC => 256;
    public static bool IsSupported => true;
    public static bool HasQuad => false; // MR is 4 already

    public static unsafe void RunQuad(int kc, float* a, float* b, float* c, int ldc, float alpha, float beta) => Run(kc, a, b, c, ldc, alpha, beta);

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static unsafe void Run(int kc, float* a, float* b, float* c, int ldc, float alpha, float beta)
    {
        float c00 = 0, c01 = 0, c02 = 0, c03 = 0, c10 = 0, c11 = 0, c12 = 0, c13 = 0;
        float c20 = 0, c21 = 0, c22 = 0, c23 = 0, c30 = 0, c31 = 0, c32 = 0, c33 = 0;
        for (int p = 0; p < kc; p++)
        {
            float a0 = a[0], a1 = a[1], a2 = a[2], a3 = a[3];
            float b0 = b[0], b1 = b[1], b2 = b[2], b3 = b[3];
            c00 += a0 * b0; c01 += a0 * b1; c02 += a0 * b2; c03 += a0 * b3;
            c10 += a1 * b0; c11 += a1 * b1; c12 += a1 * b2; c13 += a1 * b3;
            c20 += a2 * b0; c21 += a2 * b1; c22 += a2 * b2; c23 += a2 * b3;
            c30 += a3 * b0; c31 += a3 * b1; c32 += a3 * b2; c33 += a3 * b3;
            a += 4;
            b += 4;
        }
        StoreRow(c, c00, c01, c02, c03, alpha, beta);
        StoreRow(c + ldc, c10, c11, c12, c13, alpha, beta);
        StoreRow(c + 2 * ldc, c20, c21, c22, c23, alpha, beta);
        StoreRow(c + 3 * ldc, c30, c31, c32, c33, alpha, beta);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe void StoreRow(float* row, float v0, float v1, float v2, float v3, float alpha, float beta)
    {
        if (beta == 0)
        {
            row[0] = alpha * v0; row[1] = alpha * v1; row[2] = alpha * v2; row[3] = alpha * v3;
        }
        else
        {
            row[0] = GemmTile.Combine(v0, alpha, beta, row[0]);
            row[1] = GemmTile.Combine(v1, alpha, beta, row[1]);
            row[2] = GemmTile.Combine(v2, alpha, beta, row[2]);
            row[3] = GemmTile.Combine(v3, alpha, beta, row[3]);
        }
    }
}
