using System.Runtime.InteropServices;

namespace Pare.Core.Kernels.Gemm;

/// <summary>A growable 64-byte-aligned native float buffer for packed panels, one per thread and role
/// (ThreadStatic), so a GEMM call allocates nothing once the buffers have grown to the working size.</summary>
internal sealed unsafe class GemmBuffer
{
    [ThreadStatic] private static GemmBuffer? _packedA;
    [ThreadStatic] private static GemmBuffer? _packedB;
    [ThreadStatic] private static GemmBuffer? _callerPanels;

    private float* _ptr;
    private long _capacity;

    /// <summary>This thread's buffer for the packed A block, at least <paramref name="floats"/> long.</summary>
    public static float* ForA(long floats) => (_packedA ??= new GemmBuffer()).Ensure(floats);

    /// <summary>This thread's buffer for the packed B block, at least <paramref name="floats"/> long.</summary>
    public static float* ForB(long floats) => (_packedB ??= new GemmBuffer()).Ensure(floats);

    /// <summary>This thread's buffer for an operand a caller packs itself (see <see cref="Gemm.SgemmPackedB"/>),
    /// separate from the GEMM's own so the call does not overwrite it.</summary>
    public static float* ForCallerPanels(long floats) => (_callerPanels ??= new GemmBuffer()).Ensure(floats);

    private float* Ensure(long floats)
    {
        if (floats > _capacity)
        {
            NativeMemory.AlignedFree(_ptr);
            long grown = Math.Max(floats, _capacity * 3 / 2);
            _ptr = (float*)NativeMemory.AlignedAlloc((nuint)(grown * sizeof(float)), 64);
            _capacity = grown;
        }
        return _ptr;
    }

    ~GemmBuffer() => NativeMemory.AlignedFree(_ptr);
}
