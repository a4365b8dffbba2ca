namespace Pare.Core.Kernels.QGemm;

/// <summary>Shape of a 2-D convolution over one image: C input channels of H×W, a C×kH×kW filter per output channel,
/// strides, dilations, top/left padding, and the output size.</summary>
/// <param name="InChannels">C</param>
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
public readonly record struct QConvGeometry(int InChannels, int H, int W, int KernelH, int KernelW, int StrideH, int StrideW,
    int DilationH, int DilationW, int PadTop, int PadLeft, int OutH, int OutW)
{
    /// <summary>C·kH·kW: the multiply-adds of one output value.</summary>
    public int Taps => InChannels * KernelH * KernelW;
}
