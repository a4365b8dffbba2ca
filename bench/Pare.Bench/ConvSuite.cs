// Convolution and pooling rows: the layers of the Fashion-MNIST CNN (batch 128) and common mobile shapes
// (batch 32, 64×56×56). Row names equal those of bench/peers/torch_conv.py.
using Pare.Core;
using Pare.Core.Autograd;
using Pare.Core.Kernels.Conv;
using Pare.Core.Ops;
using Pare.Core.Random;

namespace Pare.Bench;

/// <summary>Conv2d forward/backward, depthwise, im2col alone, and pooling.</summary>
public sealed class ConvSuite : IBenchSuite
{
    /// <inheritdoc/>
    public IEnumerable<BenchCase> Cases()
    {
        yield return Forward("conv2d_b128_1x28x28_c32_k3", 128, 1, 28, 32, 1);
        yield return Forward("conv2d_b128_32x14x14_c64_k3", 128, 32, 14, 64, 1);
        yield return Forward("conv2d_b32_64x56x56_c64_k3", 32, 64, 56, 64, 1, reps: 3);
        yield return Forward("conv2d_dw_b32_64x56x56_k3", 32, 64, 56, 64, 64);
        yield return Forward("conv2d_dw_s2_b32_128x56x56_k3", 32, 128, 56, 128, 128, stride: 2);
        yield return new BenchCase("conv2d_dw_kernel_b32_64x56x56_k3", () =>
        {
            // The depthwise kernel alone, output preallocated: separates the kernel from the 25 MB output allocation.
            var rng = new Rng(10);
            var g = new ConvGeometry(32, 64, 56, 56, 64, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 64);
            var x = Values(32 * 64 * 56 * 56, rng);
            var w = Values(64 * 9, rng);
            var y = new float[x.Length];
            return () => DepthwiseConv2d.Forward(g, x, w, default, y);
        }, Flops: 2.0 * 32 * 64 * 56 * 56 * 9);
        // PaddleOCR rec's convolutions with their fused output stage (bias, residual, hard swish) applied per tile,
        // each beside the unfused baseline (plain conv, then whole-tensor passes on the calling thread)
        foreach (bool fused in new[] { false, true })
        {
            yield return FusedRow("conv2d_ocr_pw_240x12x280_hswish_z", new ConvGeometry(1, 240, 12, 280, 240, 1, 1), fused);
            yield return FusedRow("conv2d_ocr_dw_240x12x280_k5_hswish", new ConvGeometry(1, 240, 12, 280, 240, 5, 5, 1, 1, 2, 2, 2, 2, 1, 1, 240), fused);
        }
        // PaddleOCR det's largest convolution (96→24, 3×3 on 80×136: banded im2col) and its upsampling head
        yield return FusedRow("conv2d_ocr_det_96x80x136_k3", new ConvGeometry(1, 96, 80, 136, 24, 3, 3, 1, 1, 1, 1, 1, 1), fused: true);
        yield return FusedRow("conv2d_ocr_det_pw_16x160x272_c32", new ConvGeometry(1, 16, 160, 272, 32, 1, 1), fused: true);
        yield return FusedRow("conv2d_ocr_cls_dw_b2_200x2x96_k5", new ConvGeometry(2, 200, 2, 96, 200, 5, 5, 1, 1, 2, 2, 2, 2, 1, 1, 200), fused: true);
        yield return FusedRow("conv2d_ocr_det_dw_192x20x34_k5", new ConvGeometry(1, 192, 20, 34, 192, 5, 5, 1, 1, 2, 2, 2, 2, 1, 1, 192), fused: true);
        yield return FusedRow("conv2d_ocr_det_dw_32x160x272_k3s2", new ConvGeometry(1, 32, 160, 272, 32, 3, 3, 2, 2, 1, 1, 1, 1, 1, 1, 32), fused: true);
        yield return FusedRow("conv2d_ocr_det_first_3x320x544_c16_k3s2", new ConvGeometry(1, 3, 320, 544, 16, 3, 3, 2, 2, 1, 1, 1, 1), fused: true);
        // DirectConv2d's shapes (first layers, MNIST) beside the im2col + GEMM baseline they replace
        foreach (bool direct in new[] { false, true })
        {
            yield return DirectRow("conv2d_mnist_1x28x28_c8_k5", new ConvGeometry(1, 1, 28, 28, 8, 5, 5, 1, 1, 2, 2, 2, 2), direct);
            yield return DirectRow("conv2d_mnist_8x14x14_c16_k5", new ConvGeometry(1, 8, 14, 14, 16, 5, 5, 1, 1, 2, 2, 2, 2), direct);
            yield return DirectRow("conv2d_ocr_cls_first_b2_3x48x192_c8_k3s2", new ConvGeometry(2, 3, 48, 192, 8, 3, 3, 2, 2, 1, 1, 1, 1), direct);
            yield return DirectRow("conv2d_ocr_det_first_3x320x544_c16_k3s2", new ConvGeometry(1, 3, 320, 544, 16, 3, 3, 2, 2, 1, 1, 1, 1), direct);
            yield return DirectRow("conv2d_ocr_det_head_96x20x34_c24_k3", new ConvGeometry(1, 96, 20, 34, 24, 3, 3, 1, 1, 1, 1, 1, 1), direct);
            yield return DirectRow("conv2d_ocr_det_head_96x40x68_c24_k3", new ConvGeometry(1, 96, 40, 68, 24, 3, 3, 1, 1, 1, 1, 1, 1), direct);
        }
        yield return new BenchCase("conv_transpose2d_ocr_det_24x80x136_k2s2_relu", () =>
        {
            var rng = new Rng(12);
            var g = new ConvGeometry(1, 24, 160, 272, 24, 2, 2, 2, 2);
            var x = Values(24 * 80 * 136, rng);
            var w = Values(g.WeightCount, rng);
            var b = Values(24, rng);
            var y = new float[24 * 160 * 272];
            var stage = new ConvOutputStage(new ConvEpilogue(ConvActivation.Relu));
            return () => TransposedConv2dKernel.Forward(g, x, w, b, stage, y);
        }, Flops: 2.0 * 24 * 80 * 136 * 24 * 4);
        yield return BackwardRow("conv2d_bwd_b128_1x28x28_c32_k3", 128, 1, 28, 32, inputGrad: false);
        yield return BackwardRow("conv2d_bwd_b128_32x14x14_c64_k3", 128, 32, 14, 64);
        yield return BackwardRow("conv2d_dw_bwd_b32_64x56x56_k3", 32, 64, 56, 64, groups: 64);
        yield return Im2ColRow("im2col_b32_64x56x56_k3", 32, 64, 56);
        yield return new BenchCase("max_pool2d_b128_32x28x28_k2", () =>
        {
            var x = Tensor.Uniform(new Shape(128, 32, 28, 28), -1f, 1f, new Rng(1));
            return () => Pooling.MaxPool2d(x, 2);
        }, Extra: new Dictionary<string, object> { ["bytes_per_run"] = 128L * 32 * 28 * 28 * 4 * 5 / 4 });
        yield return new BenchCase("max_pool2d_kernel_b128_32x28x28_k2", () =>
        {
            // The kernel alone on preallocated output and argmax (no 6 MB of fresh arrays per run).
            var g = new Pare.Core.Kernels.Pool.PoolGeometry(128 * 32, 28, 28, 2, 2, 2, 2);
            var x = Values(128 * 32 * 28 * 28, new Rng(4));
            var y = new float[128 * 32 * 14 * 14];
            var at = new int[y.Length];
            return () => Pare.Core.Kernels.Pool.MaxPool2d.Forward(g, x, y, at);
        });
        // MNIST's second pool (16 planes 14×14, 3×3 stride 3): with the argmax (training) and values only (inference)
        foreach (bool values in new[] { false, true })
        {
            yield return new BenchCase(values ? "max_pool2d_values_mnist_16x14x14_k3s3" : "max_pool2d_kernel_mnist_16x14x14_k3s3", () =>
            {
                var g = new Pare.Core.Kernels.Pool.PoolGeometry(16, 14, 14, 3, 3, 3, 3);
                var x = Values(16 * 14 * 14, new Rng(5));
                var y = new float[16 * 4 * 4];
                var at = new int[y.Length];
                if (values) return () => Pare.Core.Kernels.Pool.MaxPool2dValues.Forward(g, x, y);
                return () => Pare.Core.Kernels.Pool.MaxPool2d.Forward(g, x, y, at);
            }, Reps: 2001);
        }
        yield return new BenchCase("avg_pool2d_b32_64x56x56_k3_s2_p1", () =>
        {
            var x = Tensor.Uniform(new Shape(32, 64, 56, 56), -1f, 1f, new Rng(2));
            return () => Pooling.AvgPool2d(x, 3, 2, 1);
        });
        yield return new BenchCase("avg_pool2d_kernel_ocr_rec_480x3x280_k3x2_s3x2", () =>
        {
            // PaddleOCR rec's neck pool (count_include_pad 0), the kernel alone on a preallocated output
            var g = new Pare.Core.Kernels.Pool.PoolGeometry(480, 3, 280, 3, 2, 3, 2, 0, 0, 1, 1, false);
            var x = Values(480 * 3 * 280, new Rng(5));
            var y = new float[480 * 140];
            return () => Pare.Core.Kernels.Pool.AvgPool2d.Forward(g, x, false, y);
        });
        yield return new BenchCase("global_avg_pool2d_b32_64x56x56", () =>
        {
            var x = Tensor.Uniform(new Shape(32, 64, 56, 56), -1f, 1f, new Rng(3));
            return () => Pooling.GlobalAvgPool2d(x);
        });
    }

    // 3×3, pad 1: 2·N·C_out·OutH·OutW·(C_in/groups)·9 flops.
    private static BenchCase Forward(string name, int n, int c, int size, int k, int groups, int reps = 15, int stride = 1) =>
        new(name, () =>
        {
            var rng = new Rng(7);
            var x = Tensor.Uniform(new Shape(n, c, size, size), -1f, 1f, rng);
            var w = Tensor.Uniform(new Shape(k, c / groups, 3, 3), -0.3f, 0.3f, rng);
            var b = Tensor.Uniform(new Shape(k), -0.1f, 0.1f, rng);
            return () =>
            {
                using var _ = Tape.NoGrad();
                Convolution.Conv2d(x, w, b, stride: stride, padding: 1, groups: groups);
            };
        }, Flops: 2.0 * n * k * ((size - 1) / stride + 1) * ((size - 1) / stride + 1) * (c / groups) * 9, Reps: reps);

    // dX and dW of a 3×3 pad-1 conv: twice the forward's flops (dW alone when the input needs no gradient, as for
    // a network's first layer).
    private static BenchCase BackwardRow(string name, int n, int c, int size, int k, int groups = 1, bool inputGrad = true) =>
        new(name, () =>
        {
            var rng = new Rng(8);
            var g = new ConvGeometry(n, c, size, size, k, 3, 3, PadTop: 1, PadLeft: 1, PadBottom: 1, PadRight: 1, Groups: groups);
            var x = Values(n * c * size * size, rng);
            var w = Values(g.WeightCount, rng);
            var dy = Values(n * k * size * size, rng);
            var dx = new float[x.Length];
            var dw = new float[w.Length];
            return () =>
            {
                if (inputGrad) Conv2dKernel.BackwardInput(g, dy, w, dx);
                Conv2dKernel.BackwardWeight(g, x, dy, dw);
            };
        }, Flops: (inputGrad ? 4.0 : 2.0) * n * k * size * size * (c / groups) * 9);

    // Conv2dKernel with bias, a residual (pointwise rows only) and a hard swish: inside the kernel (fused) or as
    // separate passes after it (the baseline, as FusedConv ran before the output stage moved into the tiles).
    private static BenchCase FusedRow(string name, ConvGeometry g, bool fused) =>
        new(name + (fused ? "_fused" : "_baseline"), () =>
        {
            var rng = new Rng(11);
            var x = Values(g.N * g.InChannels * g.InHeight * g.InWidth, rng);
            var w = Values(g.WeightCount, rng);
            var b = Values(g.OutChannels, rng);
            var y = new float[g.N * g.OutChannels * g.OutHeight * g.OutWidth];
            var z = g.IsDepthwise ? null : Values(y.Length, rng);
            var stage = new ConvOutputStage(new ConvEpilogue(ConvActivation.HardSwish));
            if (fused) return () => Conv2dKernel.Forward(g, x, w, b, z, stage, y);
            return () =>
            {
                Conv2dKernel.Forward(g, x, w, default, y);
                int plane = g.OutHeight * g.OutWidth;
                for (int k = 0; k < g.OutChannels; k++)
                    System.Numerics.Tensors.TensorPrimitives.Add(y.AsSpan(k * plane, plane), b[k], y.AsSpan(k * plane, plane));
                if (z is not null) System.Numerics.Tensors.TensorPrimitives.Add(y, z, y);
                stage.Activation.Apply(y);
            };
        }, Flops: 2.0 * g.N * g.OutChannels * g.OutHeight * g.OutWidth * g.PatchSize);

    // Conv2dKernel (DirectConv2d where it fits) with bias and ReLU, or the baseline it replaced: im2col of each image
    // into a patch matrix, one GEMM, then bias and ReLU passes (single thread for the baseline's unfold).
    private static BenchCase DirectRow(string name, ConvGeometry g, bool direct) =>
        new(name + (direct ? "_direct" : "_im2col"), () =>
        {
            var rng = new Rng(13);
            int plane = g.OutHeight * g.OutWidth, inImage = g.InChannels * g.InHeight * g.InWidth;
            var x = Values(g.N * inImage, rng);
            var w = Values(g.WeightCount, rng);
            var b = Values(g.OutChannels, rng);
            var y = new float[g.N * g.OutChannels * plane];
            var stage = new ConvOutputStage(new ConvEpilogue(ConvActivation.Relu));
            if (direct) return () => Conv2dKernel.Forward(g, x, w, b, default, stage, y);
            var col = new float[g.PatchSize * plane];
            return () =>
            {
                for (int n = 0; n < g.N; n++)
                {
                    Im2Col.Unfold(g, x.AsSpan(n * inImage, inImage), col);
                    var yn = y.AsSpan(n * g.OutChannels * plane, g.OutChannels * plane);
                    Pare.Core.Kernels.Gemm.Gemm.Sgemm(false, false, g.OutChannels, plane, g.PatchSize, 1f, w, g.PatchSize, col, plane, 0f, yn, plane);
                    for (int k = 0; k < g.OutChannels; k++)
                        System.Numerics.Tensors.TensorPrimitives.Add(yn.Slice(k * plane, plane), b[k], yn.Slice(k * plane, plane));
                    stage.Activation.Apply(yn);
                }
            };
        }, Flops: 2.0 * g.N * g.OutChannels * g.OutHeight * g.OutWidth * g.PatchSize, Reps: 201);

    // The non-GEMM part of the general path alone: unfolding every image of the batch (single thread).
    private static BenchCase Im2ColRow(string name, int n, int c, int size) =>
        new(name, () =>
        {
            var g = new ConvGeometry(n, c, size, size, c, 3, 3, PadTop: 1, PadLeft: 1, PadBottom: 1, PadRight: 1);
            var x = Values(n * c * size * size, new Rng(9));
            var col = new float[g.PatchSize * size * size];
            int image = c * size * size;
            return () =>
            {
                for (int i = 0; i < n; i++) Im2Col.Unfold(g, x.AsSpan(i * image, image), col);
            };
        }, Extra: new Dictionary<string, object> { ["gb_written_per_run"] = Math.Round(4.0 * n * 9 * c * size * size / 1e9, 3) });

    private static float[] Values(int count, Rng rng)
    {
        var v = new float[count];
        for (int i = 0; i < v.Length; i++) v[i] = rng.NextFloat() * 2 - 1;
        return v;
    }
}
