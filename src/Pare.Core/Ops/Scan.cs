using Pare.Core.Autograd;
using Pare.Core.Kernels.Reduce;

namespace Pare.Core.Ops;

/// <summary>Scans along one axis. The backward of a running sum is the running sum of the gradient in the
/// opposite direction (same exclusiveness).</summary>
public static class Scan
{
    /// <summary>Running sum along <paramref name="axis"/>, like torch.cumsum (and ONNX CumSum's exclusive/reverse).</summary>
    /// <param name="x">any shape of rank ≥ 1, float32</param>
    /// <param name="axis">the axis to scan (negative counts from the end)</param>
    /// <param name="exclusive">y[j] leaves out x[j] (y[0] = 0)</param>
    /// <param name="reverse">sum from the end of the axis</param>
    [Op("cumsum")]
    public static Tensor CumSum(Tensor x, int axis, bool exclusive = false, bool reverse = false)
    {
        IndexArgs.RequireFloat(x, "cumsum");
        if (x.Rank == 0)
            throw new ArgumentException("cumsum: needs a tensor of rank ≥ 1, got a scalar", nameof(x));
        int a = x.Shape.NormalizeAxis(axis);
        var dims = x.Shape.Dims;
        int outer = IndexArgs.Product(dims, 0, a), n = dims[a], inner = IndexArgs.Product(dims, a + 1, x.Rank);
        var y = TensorMemory.Uninitialized<float>(x.Count);
        CumSumKernel.Forward(x.Detach().Contiguous().AsSpan<float>(), outer, n, inner, exclusive, reverse, y);
        return Tape.Record(Tensor.Wrap(y, x.Shape), "cumsum", [x], d => [CumSum(d, a, exclusive, !reverse)]);
    }
}
