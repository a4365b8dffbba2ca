using Pare.Core.Kernels.Conv;

namespace Pare.Core.Ops;

// The inference form of conv_transpose2d: bias and output stage applied inside the kernel (no tape, no gradient).
public static partial class TransposedConvolution
{
    /// <summary>y = stage(conv_transpose2d(x, weight) + bias), computed as conv_transpose2d followed by the stage's
    /// ops one at a time would, but finished row by row on the threads of the transposed convolution. For inference
    /// graphs only: it records nothing on the tape, so no gradient flows through it.</summary>
    /// <param name="x">(N, C_in, H, W), any strides</param>
    /// <param name="weight">(C_in, C_out/groups, kH, kW)</param>
    /// <param name="bias">(C_out) or null</param>
    /// <param name="options">strides, pads (cropped from the full output), dilations, groups</param>
    /// <param name="outputPadding">(rows, columns) added at the bottom and right</param>
    /// <param name="stage">scales, shifts and activation after the bias</param>
    /// <returns>(N, C_out, OutH, OutW)</returns>
    [Op("conv_transpose2d_fused", Differentiable = false)]
    public static Tensor ConvTranspose2dFused(Tensor x, Tensor weight, Tensor? bias, Conv2dOptions options, (int H, int W) outputPadding, ConvOutputStage stage)
    {
        ArgumentNullException.ThrowIfNull(stage);
        var g = Geometry(x, weight, bias, options, outputPadding);
        var y = TensorMemory.Uninitialized<float>(checked(g.N * g.InChannels * g.InHeight * g.InWidth));
        TransposedConv2dKernel.Forward(g, Convolution.Values(x).Span, Convolution.Values(weight).Span,
            bias is null ? default : Convolution.Values(bias).Span, stage, y);
        return Tensor.Wrap(y, new Shape(g.N, g.InChannels, g.InHeight, g.InWidth));
    }
}
