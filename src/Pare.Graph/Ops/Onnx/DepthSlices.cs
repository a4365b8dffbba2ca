using Pare.Core;
using Pare.Core.Ops;
using CoreOps = Pare.Core.Ops;

namespace Pare.Graph.Ops.Onnx;

/// <summary>3-D convolutions composed from Core's 2-D ones, one depth slice at a time: output slice od of a
/// convolution sums the 2-D convolutions of input slice od·s − pad + t·dilation with kernel slice t; a transposed
/// convolution sends input slice id through kernel slice t to output slice id·s − pad + t·dilation. Correct and
/// differentiable, not fast (D_out·kD 2-D calls); real 3-D models would want a Core kernel.</summary>
internal static class DepthSlices
{
    /// <summary>x (N, C, D, H, W), w (M, C/groups, kD, kH, kW) → (N, M, D', H', W'), without bias.</summary>
    public static Tensor Conv3d(Tensor x, Tensor w, int[] strides, int[] dilations, int[] begin, int[] end, int groups)
    {
        int d = x.Dim(2), kd = w.Dim(2);
        long span = (long)d + begin[0] + end[0] - (long)dilations[0] * (kd - 1) - 1;
        if (span < 0) throw new ArgumentException($"conv: the dilated kernel does not fit the padded depth of x {x.Shape} and w {w.Shape}");
        int outD = (int)(span / strides[0]) + 1;
        var options = new Conv2dOptions(strides[1], strides[2], begin[1], begin[2], end[1], end[2], dilations[1], dilations[2], groups);
        int outH = Out(x.Dim(3), begin[1] + end[1], w.Dim(3), strides[1], dilations[1]);
        int outW = Out(x.Dim(4), begin[2] + end[2], w.Dim(4), strides[2], dilations[2]);
        var slices = new Tensor[outD];
        for (int od = 0; od < outD; od++)
        {
            Tensor? sum = null;
            for (int t = 0; t < kd; t++)
            {
                int id = od * strides[0] - begin[0] + t * dilations[0];
                if (id < 0 || id >= d) continue;
                var term = CoreOps.Convolution.Conv2d(Slice(x, id), Slice(w, t), null, options);
                sum = sum is null ? term : CoreOps.Elementwise.Add(sum, term);
            }
            slices[od] = sum ?? Tensor.Zeros(new Shape(x.Dim(0), w.Dim(0), outH, outW));
        }
        return CoreOps.Assembly.Stack(slices, 2);
    }

    /// <summary>x (N, C, D, H, W), w (C, M/groups, kD, kH, kW) → (N, M, D', H', W'), without bias; pads ≥ 0.</summary>
    public static Tensor ConvTranspose3d(Tensor x, Tensor w, int[] strides, int[] dilations, int[] begin, int[] end, int[] outputPadding, int groups)
    {
        int d = x.Dim(2), kd = w.Dim(2);
        int outD = strides[0] * (d - 1) + outputPadding[0] + dilations[0] * (kd - 1) + 1 - begin[0] - end[0];
        if (outD < 1) throw new ArgumentException($"conv_transpose: the pads crop away the whole depth of x {x.Shape} and w {w.Shape}");
        var options = new Conv2dOptions(strides[1], strides[2], begin[1], begin[2], end[1], end[2], dilations[1], dilations[2], groups);
        var sums = new Tensor?[outD];
        for (int id = 0; id < d; id++)
            for (int t = 0; t < kd; t++)
            {
                int od = id * strides[0] - begin[0] + t * dilations[0];
                if (od < 0 || od >= outD) continue;
                var term = TransposedConvolution.ConvTranspose2d(Slice(x, id), Slice(w, t), null, options, (outputPadding[1], outputPadding[2]));
                sums[od] = sums[od] is { } s ? CoreOps.Elementwise.Add(s, term) : term;
            }
        int outH = strides[1] * (x.Dim(3) - 1) + outputPadding[1] + dilations[1] * (w.Dim(3) - 1) + 1 - begin[1] - end[1];
        int outW = strides[2] * (x.Dim(4) - 1) + outputPadding[2] + dilations[2] * (w.Dim(4) - 1) + 1 - begin[2] - end[2];
        var slices = sums.Select(s => s ?? Tensor.Zeros(new Shape(x.Dim(0), w.Dim(1) * groups, outH, outW))).ToList();
        return CoreOps.Assembly.Stack(slices, 2);
    }

    // (N, C, D, H, W) → the (N, C, H, W) slice at depth i
    private static Tensor Slice(Tensor t, int i) => t.Slice(2, i, i + 1).Squeeze(2);

    private static int Out(int size, int pads, int kernel, int stride, int dilation) =>
        (int)(((long)size + pads - (long)dilation * (kernel - 1) - 1) / stride) + 1;
}
