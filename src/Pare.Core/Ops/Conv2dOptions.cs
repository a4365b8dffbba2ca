namespace Pare.Core.Ops;

/// <summary>Hyper-parameters of a 2-D convolution. Pads are per side (ONNX's pads = [top, left, bottom, right]);
/// <see cref="Symmetric"/> builds PyTorch's (padH, padW) form.</summary>
/// <param name="StrideH">vertical stride (≥ 1)</param>
/// <param name="StrideW">horizontal stride (≥ 1)</param>
/// <param name="PadTop">zero rows above</param>
/// <param name="PadLeft">zero columns on the left</param>
/// <param name="PadBottom">zero rows below</param>
/// <param name="PadRight">zero columns on the right</param>
/// <param name="DilationH">vertical tap spacing (≥ 1)</param>
/// <param name="DilationW">horizontal tap spacing (≥ 1)</param>
/// <param name="Groups">channel groups (C_in for depthwise)</param>
public sealed record Conv2dOptions(
    int StrideH = 1, int StrideW = 1, int PadTop = 0, int PadLeft = 0, int PadBottom = 0, int PadRight = 0,
    int DilationH = 1, int DilationW = 1, int Groups = 1)
{
    /// <summary>PyTorch-style options: the same padding on both sides of each axis.</summary>
    public static Conv2dOptions Symmetric((int H, int W) stride, (int H, int W) padding, (int H, int W) dilation, int groups = 1) =>
        new(stride.H, stride.W, padding.H, padding.W, padding.H, padding.W, dilation.H, dilation.W, groups);

    /// <summary>Default options: stride 1, no padding, no dilation, one group.</summary>
    public static Conv2dOptions Default { get; } = new();
}
