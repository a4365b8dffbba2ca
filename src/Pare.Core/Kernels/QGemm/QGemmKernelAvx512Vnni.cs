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
/// System V calling convention (Linux x64): edi = k quads, rsi = A, rdx = B panel, rcx = C, r8d = ldc (int32
/// elements), r9d = bytes between A's rows, [rsp+8] = bytes between A's quads (4 and 32 for a packed panel, lda
/// and 4 for A read in place); rows 0–3 at rsi + {0, 1, 2, 3}·r9, rows 4–7 the same from rax = rsi + 4·r9; every zmm is caller-saved there and the kernel ends with vzeroupper. Called through an
/// unmanaged function pointer without a GC transition (it runs a few microseconds, touches no managed state).
/// Used when the CPU reports AVX512_VNNI (CPUID.7.0:ECX[11]) and .NET's AVX-512BW is enabled (so the runtime's
/// DOTNET_EnableAVX512=0 switch turns it off with the rest of AVX-512); PARE_NATIVE_VNNI=0 turns it off alone.
/// Same packed layouts as the AVX-VNNI kernel (A quads as bytes).
/// </remarks>
internal readonly unsafe struct QGemmKernelAvx512Vnni : IQGemmMicroKernel
{
    private static readonly delegate* unmanaged[SuppressGCTransition]<int, byte*, sbyte*, int*, int, int, int, void> Entry = Create(Code);

    // one row, the same arguments (ldc and the row stride unused)
    private static readonly delegate* unmanaged[SuppressGCTransition]<int, byte*, sbyte*, int*, int, int, int, void> RowEntry = Entry == null ? null : Create(RowCode);

    public static int MR => 8;
    public static int NR => 32;
    public static bool IsSupported => Entry != null && RowEntry != null;
    public static bool WideA => false;
    public static bool DirectA => true;

    // packed A: the MR rows of a quad 4 bytes apart, quads MR·4 bytes apart
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Run(int kq, byte* a, sbyte* b, int* c, int ldc) => Entry(kq, a, b, c, ldc, 4, 4 * 8);

    public static bool RowKernel => true;

    // one row of A in place (quads 4 bytes apart) × the panel: 32 sums, two accumulators
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void RunRow(int kq, byte* a, sbyte* b, int* c) => RowEntry(kq, a, b, c, 0, 0, 4);

    // A in place: rows lda bytes apart, quads 4 bytes apart
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void RunDirect(int kq, byte* a, int lda, sbyte* b, int* c, int ldc) => Entry(kq, a, b, c, ldc, lda, 4);

    private static delegate* unmanaged[SuppressGCTransition]<int, byte*, sbyte*, int*, int, int, int, void> Create(ReadOnlySpan<byte> code)
    {
        if (!Avx512BW.IsSupported || !X86Base.IsSupported || Environment.GetEnvironmentVariable("PARE_NATIVE_VNNI") == "0") return null;
        if ((X86Base.CpuId(7, 0).Ecx & (1 << 11)) == 0) return null;
        return (delegate* unmanaged[SuppressGCTransition]<int, byte*, sbyte*, int*, int, int, int, void>)ExecutableMemory.Load(code);
    }

    // the machine code with its disassembly (objdump -d -M intel); offsets in hex
    private static ReadOnlySpan<byte> Code =>
    [
        0x4d, 0x63, 0xc0,                             //   0: movsxd r8,r8d
        0x49, 0xc1, 0xe0, 0x02,                       //   3: shl r8,0x2
        0x4d, 0x63, 0xc9,                             //   7: movsxd r9,r9d
        0x4c, 0x63, 0x54, 0x24, 0x08,                 //   a: movsxd r10,DWORD PTR [rsp+0x8]
        0x4f, 0x8d, 0x1c, 0x49,                       //   f: lea r11,[r9+r9*2]
        0x4a, 0x8d, 0x04, 0x8e,                       //  13: lea rax,[rsi+r9*4]
        0x62, 0xf1, 0x7d, 0x48, 0xef, 0xc0,           //  17: vpxord zmm0,zmm0,zmm0
        0x62, 0xf1, 0x75, 0x48, 0xef, 0xc9,           //  1d: vpxord zmm1,zmm1,zmm1
        0x62, 0xf1, 0x6d, 0x48, 0xef, 0xd2,           //  23: vpxord zmm2,zmm2,zmm2
        0x62, 0xf1, 0x65, 0x48, 0xef, 0xdb,           //  29: vpxord zmm3,zmm3,zmm3
        0x62, 0xf1, 0x5d, 0x48, 0xef, 0xe4,           //  2f: vpxord zmm4,zmm4,zmm4
        0x62, 0xf1, 0x55, 0x48, 0xef, 0xed,           //  35: vpxord zmm5,zmm5,zmm5
        0x62, 0xf1, 0x4d, 0x48, 0xef, 0xf6,           //  3b: vpxord zmm6,zmm6,zmm6
        0x62, 0xf1, 0x45, 0x48, 0xef, 0xff,           //  41: vpxord zmm7,zmm7,zmm7
        0x62, 0x51, 0x3d, 0x48, 0xef, 0xc0,           //  47: vpxord zmm8,zmm8,zmm8
        0x62, 0x51, 0x35, 0x48, 0xef, 0xc9,           //  4d: vpxord zmm9,zmm9,zmm9
        0x62, 0x51, 0x2d, 0x48, 0xef, 0xd2,           //  53: vpxord zmm10,zmm10,zmm10
        0x62, 0x51, 0x25, 0x48, 0xef, 0xdb,           //  59: vpxord zmm11,zmm11,zmm11
        0x62, 0x51, 0x1d, 0x48, 0xef, 0xe4,           //  5f: vpxord zmm12,zmm12,zmm12
        0x62, 0x51, 0x15, 0x48, 0xef, 0xed,           //  65: vpxord zmm13,zmm13,zmm13
        0x62, 0x51, 0x0d, 0x48, 0xef, 0xf6,           //  6b: vpxord zmm14,zmm14,zmm14
        0x62, 0x51, 0x05, 0x48, 0xef, 0xff,           //  71: vpxord zmm15,zmm15,zmm15
        0x85, 0xff,                                   //  77: test edi,edi
        0x0f, 0x8e, 0xb8, 0x00, 0x00, 0x00,           //  79: jle 137 <+0x137>
        0x62, 0xe1, 0x7e, 0x48, 0x6f, 0x02,           //  7f: vmovdqu32 zmm16,ZMMWORD PTR [rdx]
        0x62, 0xe1, 0x7e, 0x48, 0x6f, 0x4a, 0x01,     //  85: vmovdqu32 zmm17,ZMMWORD PTR [rdx+0x40]
        0x62, 0xe2, 0x7d, 0x48, 0x58, 0x16,           //  8c: vpbroadcastd zmm18,DWORD PTR [rsi]
        0x62, 0xb2, 0x6d, 0x40, 0x50, 0xc0,           //  92: vpdpbusd zmm0,zmm18,zmm16
        0x62, 0xb2, 0x6d, 0x40, 0x50, 0xc9,           //  98: vpdpbusd zmm1,zmm18,zmm17
        0x62, 0xa2, 0x7d, 0x48, 0x58, 0x1c, 0x0e,     //  9e: vpbroadcastd zmm19,DWORD PTR [rsi+r9*1]
        0x62, 0xb2, 0x65, 0x40, 0x50, 0xd0,           //  a5: vpdpbusd zmm2,zmm19,zmm16
        0x62, 0xb2, 0x65, 0x40, 0x50, 0xd9,           //  ab: vpdpbusd zmm3,zmm19,zmm17
        0x62, 0xa2, 0x7d, 0x48, 0x58, 0x24, 0x4e,     //  b1: vpbroadcastd zmm20,DWORD PTR [rsi+r9*2]
        0x62, 0xb2, 0x5d, 0x40, 0x50, 0xe0,           //  b8: vpdpbusd zmm4,zmm20,zmm16
        0x62, 0xb2, 0x5d, 0x40, 0x50, 0xe9,           //  be: vpdpbusd zmm5,zmm20,zmm17
        0x62, 0xa2, 0x7d, 0x48, 0x58, 0x2c, 0x1e,     //  c4: vpbroadcastd zmm21,DWORD PTR [rsi+r11*1]
        0x62, 0xb2, 0x55, 0x40, 0x50, 0xf0,           //  cb: vpdpbusd zmm6,zmm21,zmm16
        0x62, 0xb2, 0x55, 0x40, 0x50, 0xf9,           //  d1: vpdpbusd zmm7,zmm21,zmm17
        0x62, 0xe2, 0x7d, 0x48, 0x58, 0x10,           //  d7: vpbroadcastd zmm18,DWORD PTR [rax]
        0x62, 0x32, 0x6d, 0x40, 0x50, 0xc0,           //  dd: vpdpbusd zmm8,zmm18,zmm16
        0x62, 0x32, 0x6d, 0x40, 0x50, 0xc9,           //  e3: vpdpbusd zmm9,zmm18,zmm17
        0x62, 0xa2, 0x7d, 0x48, 0x58, 0x1c, 0x08,     //  e9: vpbroadcastd zmm19,DWORD PTR [rax+r9*1]
        0x62, 0x32, 0x65, 0x40, 0x50, 0xd0,           //  f0: vpdpbusd zmm10,zmm19,zmm16
        0x62, 0x32, 0x65, 0x40, 0x50, 0xd9,           //  f6: vpdpbusd zmm11,zmm19,zmm17
        0x62, 0xa2, 0x7d, 0x48, 0x58, 0x24, 0x48,     //  fc: vpbroadcastd zmm20,DWORD PTR [rax+r9*2]
        0x62, 0x32, 0x5d, 0x40, 0x50, 0xe0,           // 103: vpdpbusd zmm12,zmm20,zmm16
        0x62, 0x32, 0x5d, 0x40, 0x50, 0xe9,           // 109: vpdpbusd zmm13,zmm20,zmm17
        0x62, 0xa2, 0x7d, 0x48, 0x58, 0x2c, 0x18,     // 10f: vpbroadcastd zmm21,DWORD PTR [rax+r11*1]
        0x62, 0x32, 0x55, 0x40, 0x50, 0xf0,           // 116: vpdpbusd zmm14,zmm21,zmm16
        0x62, 0x32, 0x55, 0x40, 0x50, 0xf9,           // 11c: vpdpbusd zmm15,zmm21,zmm17
        0x4c, 0x01, 0xd6,                             // 122: add rsi,r10
        0x4c, 0x01, 0xd0,                             // 125: add rax,r10
        0x48, 0x81, 0xc2, 0x80, 0x00, 0x00, 0x00,     // 128: add rdx,0x80
        0xff, 0xcf,                                   // 12f: dec edi
        0x0f, 0x85, 0x48, 0xff, 0xff, 0xff,           // 131: jne 7f <+0x7f>
        0x62, 0xf1, 0x7e, 0x48, 0x7f, 0x01,           // 137: vmovdqu32 ZMMWORD PTR [rcx],zmm0
        0x62, 0xf1, 0x7e, 0x48, 0x7f, 0x49, 0x01,     // 13d: vmovdqu32 ZMMWORD PTR [rcx+0x40],zmm1
        0x4c, 0x01, 0xc1,                             // 144: add rcx,r8
        0x62, 0xf1, 0x7e, 0x48, 0x7f, 0x11,           // 147: vmovdqu32 ZMMWORD PTR [rcx],zmm2
        0x62, 0xf1, 0x7e, 0x48, 0x7f, 0x59, 0x01,     // 14d: vmovdqu32 ZMMWORD PTR [rcx+0x40],zmm3
        0x4c, 0x01, 0xc1,                             // 154: add rcx,r8
        0x62, 0xf1, 0x7e, 0x48, 0x7f, 0x21,           // 157: vmovdqu32 ZMMWORD PTR [rcx],zmm4
        0x62, 0xf1, 0x7e, 0x48, 0x7f, 0x69, 0x01,     // 15d: vmovdqu32 ZMMWORD PTR [rcx+0x40],zmm5
        0x4c, 0x01, 0xc1,                             // 164: add rcx,r8
        0x62, 0xf1, 0x7e, 0x48, 0x7f, 0x31,           // 167: vmovdqu32 ZMMWORD PTR [rcx],zmm6
        0x62, 0xf1, 0x7e, 0x48, 0x7f, 0x79, 0x01,     // 16d: vmovdqu32 ZMMWORD PTR [rcx+0x40],zmm7
        0x4c, 0x01, 0xc1,                             // 174: add rcx,r8
        0x62, 0x71, 0x7e, 0x48, 0x7f, 0x01,           // 177: vmovdqu32 ZMMWORD PTR [rcx],zmm8
        0x62, 0x71, 0x7e, 0x48, 0x7f, 0x49, 0x01,     // 17d: vmovdqu32 ZMMWORD PTR [rcx+0x40],zmm9
        0x4c, 0x01, 0xc1,                             // 184: add rcx,r8
        0x62, 0x71, 0x7e, 0x48, 0x7f, 0x11,           // 187: vmovdqu32 ZMMWORD PTR [rcx],zmm10
        0x62, 0x71, 0x7e, 0x48, 0x7f, 0x59, 0x01,     // 18d: vmovdqu32 ZMMWORD PTR [rcx+0x40],zmm11
        0x4c, 0x01, 0xc1,                             // 194: add rcx,r8
        0x62, 0x71, 0x7e, 0x48, 0x7f, 0x21,           // 197: vmovdqu32 ZMMWORD PTR [rcx],zmm12
        0x62, 0x71, 0x7e, 0x48, 0x7f, 0x69, 0x01,     // 19d: vmovdqu32 ZMMWORD PTR [rcx+0x40],zmm13
        0x4c, 0x01, 0xc1,                             // 1a4: add rcx,r8
        0x62, 0x71, 0x7e, 0x48, 0x7f, 0x31,           // 1a7: vmovdqu32 ZMMWORD PTR [rcx],zmm14
        0x62, 0x71, 0x7e, 0x48, 0x7f, 0x79, 0x01,     // 1ad: vmovdqu32 ZMMWORD PTR [rcx+0x40],zmm15
        0xc5, 0xf8, 0x77,                             // 1b4: vzeroupper
        0xc3,                                         // 1b7: ret
    ];

    // the one-row kernel (M = 1 and the last rows of a product): per quad one broadcast and two vpdpbusd with B
    // from memory
    private static ReadOnlySpan<byte> RowCode =>
    [
        0x4c, 0x63, 0x54, 0x24, 0x08,                 //   0: movsxd r10,DWORD PTR [rsp+0x8]
        0x62, 0xf1, 0x7d, 0x48, 0xef, 0xc0,           //   5: vpxord zmm0,zmm0,zmm0
        0x62, 0xf1, 0x75, 0x48, 0xef, 0xc9,           //   b: vpxord zmm1,zmm1,zmm1
        0x85, 0xff,                                   //  11: test edi,edi
        0x7e, 0x21,                                   //  13: jle 36 <+0x36>
        0x62, 0xe2, 0x7d, 0x48, 0x58, 0x16,           //  15: vpbroadcastd zmm18,DWORD PTR [rsi]
        0x62, 0xf2, 0x6d, 0x40, 0x50, 0x02,           //  1b: vpdpbusd zmm0,zmm18,ZMMWORD PTR [rdx]
        0x62, 0xf2, 0x6d, 0x40, 0x50, 0x4a, 0x01,     //  21: vpdpbusd zmm1,zmm18,ZMMWORD PTR [rdx+0x40]
        0x4c, 0x01, 0xd6,                             //  28: add rsi,r10
        0x48, 0x81, 0xc2, 0x80, 0x00, 0x00, 0x00,     //  2b: add rdx,0x80
        0xff, 0xcf,                                   //  32: dec edi
        0x75, 0xdf,                                   //  34: jne 15 <+0x15>
        0x62, 0xf1, 0x7e, 0x48, 0x7f, 0x01,           //  36: vmovdqu32 ZMMWORD PTR [rcx],zmm0
        0x62, 0xf1, 0x7e, 0x48, 0x7f, 0x49, 0x01,     //  3c: vmovdqu32 ZMMWORD PTR [rcx+0x40],zmm1
        0xc5, 0xf8, 0x77,                             //  43: vzeroupper
        0xc3,                                         //  46: ret
    ];
}
