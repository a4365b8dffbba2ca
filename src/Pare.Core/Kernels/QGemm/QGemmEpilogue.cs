using System.Runtime.CompilerServices;

namespace Pare.Core.Kernels.QGemm;

/// <summary>What a <see cref="QGemm"/> call does with each centred int32 sum: store it, scale it to float, or
/// requantize it to 8 bits. Pointers into operands pinned for the whole call.</summary>
internal unsafe struct QGemmEpilogue
{
    public enum Output { Int32, Float, Quantized }

    public Output Kind;
    public void* Y;
    public long RowStride, ColStride;
    public float* Scales;      // Float: per-column scale (1 or N); Quantized: multiplier (1 or N)
    public int ScaleCount;
    public float* FloatBias;   // Float: null or N values
    public int* IntBias;       // Quantized: null or N int32 values added before scaling
    public int ZeroPoint, Lo, Hi;

    /// <summary>Writes one centred sum of row i, column j.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public readonly void Write(int i, int j, int acc)
    {
        long at = i * RowStride + j * ColStride;
        switch (Kind)
        {
            case Output.Int32:
                ((int*)Y)[at] = acc;
                break;
            case Output.Float:
                float f = acc * Scales[ScaleCount == 1 ? 0 : j];
                ((float*)Y)[at] = FloatBias is null ? f : f + FloatBias[j];
                break;
            default:
                int q = QGemm.Requantize(IntBias is null ? acc : acc + IntBias[j], Scales[ScaleCount == 1 ? 0 : j], ZeroPoint, Lo, Hi);
                ((byte*)Y)[at] = (byte)q;
                break;
        }
    }
}
