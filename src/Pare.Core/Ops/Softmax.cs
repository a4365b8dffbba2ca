using Pare.Core.Autograd;
using Pare.Core.Kernels.Norm;

namespace Pare.Core.Ops;

/// <summary>Softmax and log-softmax along one axis, numerically stable (the maximum is subtracted first).</summary>
public static class SoftmaxOps
{
    /// <summary>exp(x − max) / Σ exp(x − max) along <paramref name="axis"/>.</summary>
    /// <param name="x">any shape of rank ≥ 1</param>
    /// <param name="axis">the axis to normalize (negative counts from the end)</param>
    [Op("softmax")]
    public static Tensor Softmax(Tensor x, int axis = -1) => Run(x, axis, false, "softmax");

    /// <summary>x − max − log Σ exp(x − max) along <paramref name="axis"/>.</summary>
    /// <param name="x">any shape of rank ≥ 1</param>
    /// <param name="axis">the axis to normalize (negative counts from the end)</param>
    [Op("log_softmax")]
    public static Tensor LogSoftmax(Tensor x, int axis = -1) => Run(x, axis, true, "log_softmax");

    private static Tensor Run(Tensor x, int axis, bool log, string op)
    {
        ArgumentNullException.ThrowIfNull(x);
        if (x.DType != DType.Float32)
            throw new ArgumentException($"{op}: needs a float32 tensor, got {x.DType.Name()} of shape {x.Shape}", nameof(x));
        int rank = x.Rank;
        int a = axis < 0 ? axis + rank : axis;
        if ((uint)a >= (uint)rank)
            throw new ArgumentOutOfRangeException(nameof(axis), axis, $"{op}: axis {axis} is out of range for shape {x.Shape} of rank {rank}");
        var dims = x.Shape.Dims;
        int outer = 1, inner = 1, r = dims[a];
        for (int i = 0; i < a; i++) outer *= dims[i];
        for (int i = a + 1; i < rank; i++) inner *= dims[i];
        var source = x.Detach().Contiguous();
        var y = TensorMemory.Uninitialized<float>(x.Count);
        SoftmaxKernel.Forward(source.AsSpan<float>(), outer, r, inner, log, y);
        var output = Tensor.Wrap(y, x.Shape);
        return Tape.Record(output, op, [x], d =>
        {
            var dy = d.Detach().Contiguous();
            var dx = GC.AllocateUninitializedArray<float>(y.Length);
            SoftmaxKernel.Backward(y, dy.AsSpan<float>(), outer, r, inner, log, dx);
            return [Tensor.Wrap(dx, x.Shape)];
        });
    }
}
