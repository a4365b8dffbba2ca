using Pare.Core;
using Pare.Core.Kernels.Norm;
using Pare.Core.Ops;
using Pare.Core.Random;

namespace Pare.Bench;

/// <summary>Reductions, softmax and normalization forwards at sizes typical of a classifier head and a
/// transformer block.</summary>
public sealed class ReduceSuite : IBenchSuite
{
    /// <inheritdoc/>
    public IEnumerable<BenchCase> Cases()
    {
        yield return new BenchCase("sum_1m", () =>
        {
            var x = Rand(1 << 20);
            return () => Reduce.Sum(x);
        }, Flops: 1 << 20);
        yield return new BenchCase("sum_rows_b1024x1024", () =>
        {
            var x = Rand(1024, 1024);
            return () => Reduce.Sum(x, [1]);
        }, Flops: 1 << 20);
        yield return new BenchCase("sum_cols_b1024x1024", () =>
        {
            var x = Rand(1024, 1024);
            return () => Reduce.Sum(x, [0]);
        }, Flops: 1 << 20);
        yield return new BenchCase("var_b1024x1024", () =>
        {
            var x = Rand(1024, 1024);
            return () => Reduce.Var(x, [1]);
        });
        yield return new BenchCase("softmax_b128x1000", () =>
        {
            var x = Rand(128, 1000);
            return () => SoftmaxOps.Softmax(x);
        });
        yield return new BenchCase("softmax_b128x1000_scalar", () =>
        {
            var x = Rand(128, 1000).ToArray<float>();
            var y = new float[x.Length];
            return () => SoftmaxKernel.ForwardReference(x, 128, 1000, 1, false, y);
        });
        yield return new BenchCase("softmax_b128x1000_kernel", () =>
        {
            var x = Rand(128, 1000).ToArray<float>();
            var y = new float[x.Length];
            return () => SoftmaxKernel.Forward(x, 128, 1000, 1, false, y);
        });
        yield return new BenchCase("softmax_kernel_ocr_rec_140x6625", () =>
        {
            // PaddleOCR rec's output: 140 time steps over 6 625 characters
            var x = Rand(140, 6625).ToArray<float>();
            var y = new float[x.Length];
            return () => SoftmaxKernel.Forward(x, 140, 6625, 1, false, y);
        });
        yield return new BenchCase("log_softmax_b128x1000", () =>
        {
            var x = Rand(128, 1000);
            return () => SoftmaxOps.LogSoftmax(x);
        });
        yield return new BenchCase("layernorm_b4096x128", () =>
        {
            var x = Rand(4096, 128);
            var w = Rand(128);
            var b = Rand(128);
            return () => Normalization.LayerNorm(x, [128], w, b);
        });
        yield return new BenchCase("layernorm_b4096x128_scalar", () =>
        {
            var x = Rand(4096, 128).ToArray<float>();
            float[] h = new float[x.Length], m = new float[4096], v = new float[4096], r = new float[4096];
            return () => RowNorm.ForwardReference(x, 4096, 128, 1e-5f, h, m, v, r);
        });
        yield return new BenchCase("layernorm_b4096x128_kernel", () =>
        {
            var x = Rand(4096, 128).ToArray<float>();
            float[] h = new float[x.Length], m = new float[4096], v = new float[4096], r = new float[4096];
            return () => RowNorm.Forward(x, 4096, 128, 1e-5f, h, m, v, r);
        });
        yield return new BenchCase("batchnorm_b32x64x28x28", () =>
        {
            var x = Rand(32, 64, 28, 28);
            var w = Rand(64);
            var b = Rand(64);
            return () => Normalization.BatchNorm(x, weight: w, bias: b);
        });
        yield return new BenchCase("groupnorm_b32x64x28x28_g8", () =>
        {
            var x = Rand(32, 64, 28, 28);
            var w = Rand(64);
            var b = Rand(64);
            return () => Normalization.GroupNorm(x, 8, w, b);
        });
    }

    // Runs the case until tiered JIT has had time to promote every kernel (≥ 40 runs and ≥ 1 s): the harness's own
    // short warm-up can leave a case that is the first user of a TensorPrimitives method in tier-0 code, and on a
    // busy machine the background tier-1 compiler needs a while.

    private static Tensor Rand(params int[] shape) => Tensor.Normal(new Shape(shape), 0f, 1f, new Rng(42));
}
