using Pare.Core.Kernels.Conv;

namespace Pare.Core.Ops;

// The inference form of conv2d: bias, residual and output stage applied inside the kernel (no tape, no gradient).
public static partial class Convolution
{
    /// <summary>y = stage(conv2d(x, weight) + bias, residual), computed as conv2d followed by the stage's ops one at a
    /// time would (bit for bit), but finished block by block on the threads of the convolution. For inference graphs
    /// only: it records nothing on the tape, so no gradient flows through it.</summary>
    /// <param name="x">(N, C_in, H, W), any strides</param>
    /// <param name="weight">(C_out, C_in/groups, kH, kW)</param>
    /// <param name="bias">(C_out) or null</param>
    /// <param name="options">strides, pads, dilations, groups</param>
    /// <param name="residual">(N, C_out, OutH, OutW), added before the activation, or null</param>
    /// <param name="stage">scales, shifts and activation after the bias</param>
    /// <returns>(N, C_out, OutH, OutW)</returns>
    [Op("conv2d_fused", Differentiable = false)]
    public static Tensor Conv2dFused(Tensor x, Tensor weight, Tensor? bias, Conv2dOptions options, Tensor? residual, ConvOutputStage stage)
    {
        ArgumentNullException.ThrowIfNull(stage);
        var g = Geometry(x, weight, bias, options);
        var shape = new Shape(g.N, g.OutChannels, g.OutHeight, g.OutWidth);
        if (residual is not null && (residual.DType != DType.Float32 || residual.Shape != shape))
            throw new ArgumentException($"conv2d_fused: residual must be float32 of the output's shape {shape}, got {residual.DType.Name()} {residual.Shape}");
        var y = TensorMemory.Uninitialized<float>(checked(g.N * g.OutChannels * g.OutHeight * g.OutWidth));
        Conv2dKernel.Forward(g, Values(x).Span, Values(weight).Span, bias is null ? default : Values(bias).Span,
            residual is null ? default : Values(residual).Span, stage, y);
        return Tensor.Wrap(y, shape);
    }
}
