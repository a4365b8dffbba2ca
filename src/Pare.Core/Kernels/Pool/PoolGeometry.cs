namespace Pare.Core.Kernels.Pool;

/// <summary>Sizes of a 2-D pooling over planes of (H, W) — the N·C planes of an (N, C, H, W) tensor — with
/// PyTorch's output size: floor-or-ceil((H + 2·pad − dilation·(k − 1) − 1) / stride) + 1, where in ceil mode
/// the last window must still start inside the input or the left padding.</summary>
/// <param name="Planes">N · C</param>
/// <param name="InHeight">H</param>
/// <param name="InWidth">W</param>
/// <param name="KernelH">window height</param>
/// <param name="KernelW">window width</param>
/// <param name="StrideH">vertical stride</param>
/// <param name="StrideW">horizontal stride</param>
/// <param name="PadH">padding above and below</param>
/// <param name="PadW">padding left and right</param>
/// <param name="DilationH">vertical spacing of window taps (max pool only)</param>
/// <param name="DilationW">horizontal spacing of window taps (max pool only)</param>
/// <param name="CeilMode">round the output size up instead of down</param>
public readonly record struct PoolGeometry(
    int Planes, int InHeight, int InWidth, int KernelH, int KernelW, int StrideH, int StrideW,
    int PadH = 0, int PadW = 0, int DilationH = 1, int DilationW = 1, bool CeilMode = false)
{
    /// <summary>Output height.</summary>
    public int OutHeight => OutSize(InHeight, KernelH, StrideH, PadH, DilationH, CeilMode);

    /// <summary>Output width.</summary>
    public int OutWidth => OutSize(InWidth, KernelW, StrideW, PadW, DilationW, CeilMode);

    /// <summary>True when sizes are non-negative, kernel/stride/dilation positive, pads at most half the kernel
    /// (so that every window holds an input element) and the output is at least 1×1 (or the input is empty).</summary>
    public bool IsValid =>
        Planes >= 0 && InHeight >= 0 && InWidth >= 0 && KernelH >= 1 && KernelW >= 1 && StrideH >= 1 && StrideW >= 1 &&
        DilationH >= 1 && DilationW >= 1 && PadH >= 0 && PadW >= 0 && PadH <= KernelH / 2 && PadW <= KernelW / 2 &&
        OutHeight >= 1 && OutWidth >= 1;

    internal static int OutSize(int size, int kernel, int stride, int pad, int dilation, bool ceil)
    {
        long span = (long)size + 2L * pad - (long)dilation * (kernel - 1) - 1 + (ceil ? stride - 1 : 0);
        long outSize = (long)Math.Floor((double)span / stride) + 1;
        if (ceil && (outSize - 1) * stride >= size + pad) outSize--;
        return (int)Math.Clamp(outSize, int.MinValue, int.MaxValue);
    }

    internal void Check(int xLength, int yLength)
    {
        if (!IsValid) throw new ArgumentException($"invalid pooling geometry {this}");
        if (xLength != (long)Planes * InHeight * InWidth || yLength != (long)Planes * OutHeight * OutWidth)
            throw new ArgumentException($"pooling spans hold x {xLength}, y {yLength} values; geometry {this} needs {(long)Planes * InHeight * InWidth}, {(long)Planes * OutHeight * OutWidth}");
    }
}
