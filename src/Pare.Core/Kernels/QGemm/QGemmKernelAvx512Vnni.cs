using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics.X86;

namespace Pare.Core.Kernels.QGemm;

/// <summary>AVX-512 VNNI micro-kernel (8×32 tile, 16 zmm accumulators): per k quad two 64-byte loads of B (32 columns ×
/// 4 k) and, per row, one vpbroadcastd of A's 4 bytes and two vpdpbusd (u8·s8, four products summed into each int32
/// lane without saturation: exact) — 64 MACs per instruction, twice <see cref="QGemmKernelAvx512"/>'s vpmaddwd.</summary>
/// <remarks>
/// .NET 10 has no managed API for AVX-512 VNNI (only the VEX <see cref="AvxVnni"/>, which e.g. Zen 4 lacks, and
/// AVX10.1, which needs a CPU reporting AVX10), so the kernel is machine code, assembled once from the listing in
/// <see cref="Code"/> (GNU as, Intel syntax) and placed in an executable page by <see cref="ExecutableMemory"/> —
/// the runtime code generation oneDNN (xbyak) and ONNX Runtime's MLAS kernels rely on, for one fixed function.
/// System V calling convention (Linux x64): edi = k quads, rsi = packed A, rdx = B panel, rcx = C, r8d = ldc
/// (int32 elements); every zmm is caller-saved there and the kernel ends with vzeroupper. Called through an
/// unmanaged function pointer without a GC transition (it runs a few microseconds, touches no managed state).
/// Used when the CPU reports AVX512_VNNI (CPUID.7.0:ECX[11]) and .NET's AVX-512BW is enabled (so the runtime's
/// DOTNET_EnableAVX512=0 switch turns it off with the rest of AVX-512); PARE_NATIVE_VNNI=0 turns it off alone.
/// Same packed layouts as the AVX-VNNI kernel (A quads as bytes).
/// </remarks>
internal readonly unsafe struct QGemmKernelAvx512Vnni : IQGemmMicroKernel
{
    private static readonly delegate* unmanaged[SuppressGCTransition]<int, byte*, sbyte*, int*, int, void> Entry = Create();

    public static int MR => 8;
    public static int NR => 32;
    public static bool IsSupported => Entry != null;
    public static bool WideA => false;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Run(int kq, byte* a, sbyte* b, int* c, int ldc) => Entry(kq, a, b, c, ldc);

    private static delegate* unmanaged[SuppressGCTransition]<int, byte*, sbyte*, int*, int, void> Create()
    {
        if (!Avx512BW.IsSupported || !X86Base.IsSupported || Environment.GetEnvironmentVariable("PARE_NATIVE_VNNI") == "0") return null;
        if ((X86Base.CpuId(7, 0).Ecx & (1 << 11)) == 0) return null;
        return (delegate* unmanaged[SuppressGCTransition]<int, byte*, sbyte*, int*, int, void>)ExecutableMemory.Load(Code);
    }

    // the machine code with its disassembly (objdump -d -M intel); offsets in hex
    private static ReadOnlySpan<byte> Code =>
    [
        0x62, 0xf1, 0x7d, 0x48, 0xef, 0xc0,            //   0: vpxord zmm0,zmm0,zmm0
        0x62, 0xf1, 0x75, 0x48, 0xef, 0xc9,            //   6: vpxord zmm1,zmm1,zmm1
        0x62, 0xf1, 0x6d, 0x48, 0xef, 0xd2,            //   c: vpxord zmm2,zmm2,zmm2
        0x62, 0xf1, 0x65, 0x48, 0xef, 0xdb,            //  12: vpxord zmm3,zmm3,zmm3
        0x62, 0xf1, 0x5d, 0x48, 0xef, 0xe4,            //  18: vpxord zmm4,zmm4,zmm4
        0x62, 0xf1, 0x55, 0x48, 0xef, 0xed,            //  1e: vpxord zmm5,zmm5,zmm5
        0x62, 0xf1, 0x4d, 0x48, 0xef, 0xf6,            //  24: vpxord zmm6,zmm6,zmm6
        0x62, 0xf1, 0x45, 0x48, 0xef, 0xff,            //  2a: vpxord zmm7,zmm7,zmm7
        0x62, 0x51, 0x3d, 0x48, 0xef, 0xc0,            //  30: vpxord zmm8,zmm8,zmm8
        0x62, 0x51, 0x35, 0x48, 0xef, 0xc9,            //  36: vpxord zmm9,zmm9,zmm9
        0x62, 0x51, 0x2d, 0x48, 0xef, 0xd2,            //  3c: vpxord zmm10,zmm10,zmm10
        0x62, 0x51, 0x25, 0x48, 0xef, 0xdb,            //  42: vpxord zmm11,zmm11,zmm11
        0x62, 0x51, 0x1d, 0x48, 0xef, 0xe4,            //  48: vpxord zmm12,zmm12,zmm12
        0x62, 0x51, 0x15, 0x48, 0xef, 0xed,            //  4e: vpxord zmm13,zmm13,zmm13
        0x62, 0x51, 0x0d, 0x48, 0xef, 0xf6,            //  54: vpxord zmm14,zmm14,zmm14
        0x62, 0x51, 0x05, 0x48, 0xef, 0xff,            //  5a: vpxord zmm15,zmm15,zmm15
        0x85, 0xff,                                    //  60: test edi,edi
        0x0f, 0x8e, 0xb7, 0x00, 0x00, 0x00,            //  62: jle 11f <+0x11f>
        0x62, 0xe1, 0x7e, 0x48, 0x6f, 0x02,            //  68: vmovdqu32 zmm16,ZMMWORD PTR [rdx]
        0x62, 0xe1, 0x7e, 0x48, 0x6f, 0x4a, 0x01,      //  6e: vmovdqu32 zmm17,ZMMWORD PTR [rdx+0x40]
        0x62, 0xe2, 0x7d, 0x48, 0x58, 0x16,            //  75: vpbroadcastd zmm18,DWORD PTR [rsi]
        0x62, 0xb2, 0x6d, 0x40, 0x50, 0xc0,            //  7b: vpdpbusd zmm0,zmm18,zmm16
        0x62, 0xb2, 0x6d, 0x40, 0x50, 0xc9,            //  81: vpdpbusd zmm1,zmm18,zmm17
        0x62, 0xe2, 0x7d, 0x48, 0x58, 0x5e, 0x01,      //  87: vpbroadcastd zmm19,DWORD PTR [rsi+0x4]
        0x62, 0xb2, 0x65, 0x40, 0x50, 0xd0,            //  8e: vpdpbusd zmm2,zmm19,zmm16
        0x62, 0xb2, 0x65, 0x40, 0x50, 0xd9,            //  94: vpdpbusd zmm3,zmm19,zmm17
        0x62, 0xe2, 0x7d, 0x48, 0x58, 0x66, 0x02,      //  9a: vpbroadcastd zmm20,DWORD PTR [rsi+0x8]
        0x62, 0xb2, 0x5d, 0x40, 0x50, 0xe0,            //  a1: vpdpbusd zmm4,zmm20,zmm16
        0x62, 0xb2, 0x5d, 0x40, 0x50, 0xe9,            //  a7: vpdpbusd zmm5,zmm20,zmm17
        0x62, 0xe2, 0x7d, 0x48, 0x58, 0x6e, 0x03,      //  ad: vpbroadcastd zmm21,DWORD PTR [rsi+0xc]
        0x62, 0xb2, 0x55, 0x40, 0x50, 0xf0,            //  b4: vpdpbusd zmm6,zmm21,zmm16
        0x62, 0xb2, 0x55, 0x40, 0x50, 0xf9,            //  ba: vpdpbusd zmm7,zmm21,zmm17
        0x62, 0xe2, 0x7d, 0x48, 0x58, 0x56, 0x04,      //  c0: vpbroadcastd zmm18,DWORD PTR [rsi+0x10]
        0x62, 0x32, 0x6d, 0x40, 0x50, 0xc0,            //  c7: vpdpbusd zmm8,zmm18,zmm16
        0x62, 0x32, 0x6d, 0x40, 0x50, 0xc9,            //  cd: vpdpbusd zmm9,zmm18,zmm17
        0x62, 0xe2, 0x7d, 0x48, 0x58, 0x5e, 0x05,      //  d3: vpbroadcastd zmm19,DWORD PTR [rsi+0x14]
        0x62, 0x32, 0x65, 0x40, 0x50, 0xd0,            //  da: vpdpbusd zmm10,zmm19,zmm16
        0x62, 0x32, 0x65, 0x40, 0x50, 0xd9,            //  e0: vpdpbusd zmm11,zmm19,zmm17
        0x62, 0xe2, 0x7d, 0x48, 0x58, 0x66, 0x06,      //  e6: vpbroadcastd zmm20,DWORD PTR [rsi+0x18]
        0x62, 0x32, 0x5d, 0x40, 0x50, 0xe0,            //  ed: vpdpbusd zmm12,zmm20,zmm16
        0x62, 0x32, 0x5d, 0x40, 0x50, 0xe9,            //  f3: vpdpbusd zmm13,zmm20,zmm17
        0x62, 0xe2, 0x7d, 0x48, 0x58, 0x6e, 0x07,      //  f9: vpbroadcastd zmm21,DWORD PTR [rsi+0x1c]
        0x62, 0x32, 0x55, 0x40, 0x50, 0xf0,            // 100: vpdpbusd zmm14,zmm21,zmm16
        0x62, 0x32, 0x55, 0x40, 0x50, 0xf9,            // 106: vpdpbusd zmm15,zmm21,zmm17
        0x48, 0x83, 0xc6, 0x20,                        // 10c: add rsi,0x20
        0x48, 0x81, 0xc2, 0x80, 0x00, 0x00, 0x00,      // 110: add rdx,0x80
        0xff, 0xcf,                                    // 117: dec edi
        0x0f, 0x85, 0x49, 0xff, 0xff, 0xff,            // 119: jne 68 <+0x68>
        0x4d, 0x63, 0xc0,                              // 11f: movsxd r8,r8d
        0x49, 0xc1, 0xe0, 0x02,                        // 122: shl r8,0x2
        0x62, 0xf1, 0x7e, 0x48, 0x7f, 0x01,            // 126: vmovdqu32 ZMMWORD PTR [rcx],zmm0
        0x62, 0xf1, 0x7e, 0x48, 0x7f, 0x49, 0x01,      // 12c: vmovdqu32 ZMMWORD PTR [rcx+0x40],zmm1
        0x4c, 0x01, 0xc1,                              // 133: add rcx,r8
        0x62, 0xf1, 0x7e, 0x48, 0x7f, 0x11,            // 136: vmovdqu32 ZMMWORD PTR [rcx],zmm2
        0x62, 0xf1, 0x7e, 0x48, 0x7f, 0x59, 0x01,      // 13c: vmovdqu32 ZMMWORD PTR [rcx+0x40],zmm3
        0x4c, 0x01, 0xc1,                              // 143: add rcx,r8
        0x62, 0xf1, 0x7e, 0x48, 0x7f, 0x21,            // 146: vmovdqu32 ZMMWORD PTR [rcx],zmm4
        0x62, 0xf1, 0x7e, 0x48, 0x7f, 0x69, 0x01,      // 14c: vmovdqu32 ZMMWORD PTR [rcx+0x40],zmm5
        0x4c, 0x01, 0xc1,                              // 153: add rcx,r8
        0x62, 0xf1, 0x7e, 0x48, 0x7f, 0x31,            // 156: vmovdqu32 ZMMWORD PTR [rcx],zmm6
        0x62, 0xf1, 0x7e, 0x48, 0x7f, 0x79, 0x01,      // 15c: vmovdqu32 ZMMWORD PTR [rcx+0x40],zmm7
        0x4c, 0x01, 0xc1,                              // 163: add rcx,r8
        0x62, 0x71, 0x7e, 0x48, 0x7f, 0x01,            // 166: vmovdqu32 ZMMWORD PTR [rcx],zmm8
        0x62, 0x71, 0x7e, 0x48, 0x7f, 0x49, 0x01,      // 16c: vmovdqu32 ZMMWORD PTR [rcx+0x40],zmm9
        0x4c, 0x01, 0xc1,                              // 173: add rcx,r8
        0x62, 0x71, 0x7e, 0x48, 0x7f, 0x11,            // 176: vmovdqu32 ZMMWORD PTR [rcx],zmm10
        0x62, 0x71, 0x7e, 0x48, 0x7f, 0x59, 0x01,      // 17c: vmovdqu32 ZMMWORD PTR [rcx+0x40],zmm11
        0x4c, 0x01, 0xc1,                              // 183: add rcx,r8
        0x62, 0x71, 0x7e, 0x48, 0x7f, 0x21,            // 186: vmovdqu32 ZMMWORD PTR [rcx],zmm12
        0x62, 0x71, 0x7e, 0x48, 0x7f, 0x69, 0x01,      // 18c: vmovdqu32 ZMMWORD PTR [rcx+0x40],zmm13
        0x4c, 0x01, 0xc1,                              // 193: add rcx,r8
        0x62, 0x71, 0x7e, 0x48, 0x7f, 0x31,            // 196: vmovdqu32 ZMMWORD PTR [rcx],zmm14
        0x62, 0x71, 0x7e, 0x48, 0x7f, 0x79, 0x01,      // 19c: vmovdqu32 ZMMWORD PTR [rcx+0x40],zmm15
        0xc5, 0xf8, 0x77,                              // 1a3: vzeroupper
        0xc3,                                          // 1a6: ret
    ];
}
