namespace Pare.Core.Kernels.QGemm;

/// <summary>The micro-kernels of <see cref="QGemm"/>, best first.</summary>
public enum QGemmPath
{
    /// <summary>The best the CPU supports.</summary>
    Auto,

    /// <summary>AVX-512 VNNI vpdpbusd (zmm), as generated machine code (no managed API exists).</summary>
    Avx512Vnni,

    /// <summary>AVX-VNNI vpdpbusd (ymm).</summary>
    AvxVnni,

    /// <summary>AVX-512BW vpmovsxbw + vpmaddwd (zmm).</summary>
    Avx512,

    /// <summary>AVX2 vpmovsxbw + vpmaddwd (ymm).</summary>
    Avx2,

    /// <summary>Portable scalar twin.</summary>
    Scalar,
}
