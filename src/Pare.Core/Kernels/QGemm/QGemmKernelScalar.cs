namespace Pare.Core.Kernels.QGemm;

/// <summary>Portable twin of the SIMD micro-kernels (same packed layouts, same 4×8 tile as the AVX2 one): plain int32
/// multiply-adds, exact like them.</summary>
internal readonly struct QGemmKernelScalar : IQGemmMicroKernel
{
    public static int MR => 4;
    public static int NR => 8;
    public static bool IsSupported => true;
    public static bool WideA => false;

    public static unsafe void Run(int kq, byte* a, sbyte* b, int* c, int ldc)
    {
        for (int i = 0; i < 4; i++)
            for (int j = 0; j < 8; j++)
            {
                int acc = 0;
                byte* ap = a + i * 4;
                sbyte* bp = b + j * 4;
                for (int q = 0; q < kq; q++, ap += 16, bp += QGemmPackedB.PanelWidth * 4)
                    acc += ap[0] * bp[0] + ap[1] * bp[1] + ap[2] * bp[2] + ap[3] * bp[3];
                c[i * ldc + j] = acc;
            }
    }
}
