namespace Pare.Core.Kernels.Conv;

/// <summary>Sizes of one 2-D convolution: x (N, C_in, H, W), weight (C_out, C_in/groups, kH, kW),
/// y (N, C_out, OutH, OutW). Pads are given per side so that ONNX's asymmetric pads fit; the output size is
/// floor((H + padTop + padBottom − dilationH·(kH − 1) − 1) / strideH) + 1. Validation of user input is the
/// op's job; the kernels trust a geometry that <see cref="IsValid"/>.</summary>
/// <param name="N">batch</param>
/// <param name="InChannels">C_in</param>
/// <param name="InHeight">H</param>
/// <param name="InWidth">W</param>
/// <param name="OutChannels">C_out</param>
/// <param name="KernelH">kH</param>
/// <param name="KernelW">kW</param>
/// <param name="StrideH">vertical stride (≥ 1)</param>
/// <param name="StrideW">horizontal stride (≥ 1)</param>
/// <param name="PadTop">zero rows above</param>
/// <param name="PadLeft">zero columns on the left</param>
/// <param name="PadBottom">zero rows below</param>
/// <param name="PadRight">zero columns on the right</param>
/// <param name="DilationH">vertical spacing of kernel taps (≥ 1)</param>
/// <param name="DilationW">horizontal spacing of kernel taps (≥ 1)</param>
/// <param name="Groups">channel groups; C_in and C_out are multiples of it</param>
public readonly record struct ConvGeometry(
    int N, int InChannels, int InHeight, int InWidth, int OutChannels, int KernelH, int KernelW,
    int StrideH = 1, int StrideW = 1, int PadTop = 0, int PadLeft = 0, int PadBottom = 0, int PadRight = 0,
    int DilationH = 1, int DilationW = 1, int Groups = 1)
{
    /// <summary>Output height (may be ≤ 0 for an impossible geometry; see <see cref="IsValid"/>).</summary>
    public int OutHeight => OutSize(InHeight, PadTop + PadBottom, KernelH, StrideH, DilationH);

    /// <summary>Output width.</summary>
    public int OutWidth => OutSize(InWidth, PadLeft + PadRight, KernelW, StrideW, DilationW);

    /// <summary>Input channels per group.</summary>
    public int GroupInChannels => InChannels / Groups;

    /// <summary>Output channels per group.</summary>
    public int GroupOutChannels => OutChannels / Groups;

    /// <summary>Rows of the im2col matrix of one group: C_in/groups · kH · kW (the GEMM's K).</summary>
    public int PatchSize => GroupInChannels * KernelH * KernelW;

    /// <summary>True for a depthwise convolution (groups = C_in, any channel multiplier), which the direct kernel runs.</summary>
    public bool IsDepthwise => Groups == InChannels && Groups > 1;

    /// <summary>True for a 1×1, stride-1, unpadded convolution: the input already is the im2col matrix.</summary>
    public bool IsPointwise => KernelH == 1 && KernelW == 1 && StrideH == 1 && StrideW == 1 &&
        PadTop == 0 && PadLeft == 0 && PadBottom == 0 && PadRight == 0;

    /// <summary>Weight elements: C_out · C_in/groups · kH · kW.</summary>
    public int WeightCount => OutChannels * PatchSize;

    /// <summary>True when every size is non-negative, strides/dilations/groups positive, channels divisible
    /// by groups and the output size non-negative.</summary>
    public bool IsValid =>
        N >= 0 && InChannels >= 0 && InHeight >= 0 && InWidth >= 0 && OutChannels >= 0 && KernelH >= 1 && KernelW >= 1 &&
        StrideH >= 1 && StrideW >= 1 && DilationH >= 1 && DilationW >= 1 && Groups >= 1 &&
        PadTop >= 0 && PadLeft >= 0 && PadBottom >= 0 && PadRight >= 0 &&
        InChannels % Groups == 0 && OutChannels % Groups == 0 && OutHeight >= 0 && OutWidth >= 0;

    /// <summary>floor((size + pads − dilation·(kernel − 1) − 1) / stride) + 1, with a floor that is right for
    /// negative numerators (0 when the dilated kernel is exactly one longer than the padded input).</summary>
    internal static int OutSize(int size, int pads, int kernel, int stride, int dilation)
    {
        long span = (long)size + pads - (long)dilation * (kernel - 1) - 1;
        return (int)Math.Clamp(Math.Floor((double)span / stride) + 1, int.MinValue, int.MaxValue);
    }
}
