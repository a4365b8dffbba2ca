using Pare.Core;
using Pare.Core.Kernels.Elementwise;
using Pare.Core.Ops;
using Pare.Core.Random;
using Act = Pare.Core.Kernels.Elementwise.ActivationOperators;
using Bin = Pare.Core.Kernels.Elementwise.BinaryOperators;
using Hard = Pare.Core.Kernels.Elementwise.HardActivationOperators;
using Un = Pare.Core.Kernels.Elementwise.UnaryOperators;

namespace Pare.Bench;

/// <summary>Elementwise kernels over 1M floats, with a gbps figure (bytes read + written per second) since they
/// are memory bound; the <c>_scalar</c> rows run the scalar twin on one thread as the baseline, the <c>_op</c>
/// rows the tensor-level op (allocation and broadcasting included).</summary>
public sealed class ElementwiseSuite : IBenchSuite
{
    private const int N = 1 << 20;

    /// <inheritdoc/>
    public IEnumerable<BenchCase> Cases()
    {
        yield return Unary("relu_1m", new Un.Relu());
        yield return Unary("exp_1m", new Un.Exp());
        yield return Unary("tanh_1m", new Act.Tanh());
        yield return Unary("sigmoid_1m", new Act.Sigmoid());
        yield return Unary("erf_1m", new Act.Erf());
        yield return Unary("gelu_1m", new Act.GeluErf());
        yield return Unary("gelu_tanh_1m", new Act.GeluTanh());
        yield return new BenchCase("gelu_1m_scalar", () =>
        {
            var (x, y) = (Data(1), new float[N]);
            return () => ElementwiseDriver.UnaryScalar(new Act.GeluErf(), x, y);
        }, Bytes: 8.0 * N);
        // hard_swish: the vector kernel, its scalar twin, and the per-element delegate loop (PointwiseKernel) that
        // the op used before it had a vector kernel
        yield return Unary("hardswish_1m", new Hard.HardSwish());
        yield return new BenchCase("hardswish_1m_scalar", () =>
        {
            var (x, y) = (Data(1), new float[N]);
            return () => ElementwiseDriver.UnaryScalar(new Hard.HardSwish(), x, y);
        }, Bytes: 8.0 * N);
        yield return new BenchCase("hardswish_1m_pointwise", () =>
        {
            var (x, y) = (Data(1), new float[N]);
            var op = new Hard.HardSwish();
            return () => PointwiseKernel.Forward(x, y, op.Invoke);
        }, Bytes: 8.0 * N);
        yield return new BenchCase("add_1m", () =>
        {
            var (a, b, z) = (Data(2), Data(3), new float[N]);
            return () => BroadcastDriver.Binary(new Bin.Add(), a, 0, [1], b, 0, [1], [N], z);
        }, Bytes: 12.0 * N);
        yield return new BenchCase("add_1m_scalar", () =>
        {
            var (a, b, z) = (Data(2), Data(3), new float[N]);
            return () => ElementwiseDriver.BinaryScalar(new Bin.Add(), a, b, z);
        }, Bytes: 12.0 * N);
        yield return new BenchCase("add_row_1m", () =>
        {
            // (1024, 1024) + (1024): the row-broadcast path
            var (a, b, z) = (Data(4), Data(5).AsMemory(0, 1024), new float[N]);
            return () => BroadcastDriver.Binary(new Bin.Add(), a, 0, [1024, 1], b, 0, [0, 1], [1024, 1024], z);
        }, Bytes: 8.0 * N);
        yield return new BenchCase("add_1m_op", () =>
        {
            var a = Tensor.Uniform(new Shape(1024, 1024), -4, 4, new Rng(6));
            var b = Tensor.Uniform(new Shape(1024), -4, 4, new Rng(7));
            return () => Elementwise.Add(a, b);
        }, Bytes: 8.0 * N);
    }

    private static BenchCase Unary<TOp>(string name, TOp op) where TOp : struct, IUnaryOperator =>
        new(name, () =>
        {
            var (x, y) = (Data(1), new float[N]);
            return () => BroadcastDriver.Unary(op, x, y);
        }, Bytes: 8.0 * N);

    private static float[] Data(ulong seed)
    {
        var rng = new Rng(seed);
        var data = new float[N];
        for (int i = 0; i < N; i++) data[i] = -4f + 8f * rng.NextFloat();
        return data;
    }
}
