namespace Pare.Core.Kernels.QGemm;

/// <summary>Shape of a depthwise 2-D convolution over one image: C channels of H×W, a kH×kW filter per channel,
/// strides, dilations, top/left padding, and the output size.</summary>
/// <param name="Channels">C</param>
/// <param name="H">input height</param>
/// <param name="W">input width</param>
/// <param name="KernelH">filter height</param>
/// <param name="KernelW">filter width</param>
/// <param name="StrideH">vertical stride</param>
/// <param name="StrideW">horizontal stride</param>
/// <param name="DilationH">vertical dilation</param>
/// <param name="DilationW">horizontal dilation</param>
/// <param name="PadTop">rows of padding above</param>
/// <param name="PadLeft">columns of padding on the left</param>
/// <param name="OutH">output height</param>
/// <param name="OutW">output width</param>
public readonly record struct QDepthwiseGeometry(int Channels, int H, int W, int KernelH, int KernelW, int StrideH, int StrideW,
    int DilationH, int DilationW, int PadTop, int PadLeft, int OutH, int OutW);
