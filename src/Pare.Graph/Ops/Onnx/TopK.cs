using Pare.Core;
using CoreOps = Pare.Core.Ops;

namespace Pare.Graph.Ops.Onnx;

/// <summary>TopK: the k largest (or smallest) elements along an axis and their int64 indices; ties go to the
/// lower index. k is an attribute before opset 10 and a one-element input from 10; largest and sorted exist
/// from 11. Float32 goes through Core (values differentiable); integer inputs use a plain stable sort.</summary>
internal static class TopK
{
    [OnnxOp("TopK")]
    public static Tensor?[] Run(OpContext c)
    {
        var x = c.Input(0);
        if (x.Rank == 0) throw c.Fail("input must have rank ≥ 1");
        long k;
        if (c.Opset >= 10)
        {
            var ks = c.Longs(c.Input(1), "K");
            k = ks.Length == 1 ? ks[0] : throw c.Fail($"K must hold one value, has {ks.Length}");
        }
        else
        {
            k = c.Attributes.Int("k");
        }
        int axis = c.Axis(c.Attributes.Int("axis", -1), x.Rank);
        bool largest = c.Attributes.Int("largest", 1) != 0;
        bool sorted = c.Attributes.Int("sorted", 1) != 0;
        int n = x.Shape.Dims[axis];
        if (k < 0 || k > n) throw c.Fail($"K = {k} is out of range for axis {axis} of size {n} in shape {x.Shape}");
        if (x.DType == DType.Float32)
        {
            var (values, indices) = CoreOps.Indexing.TopK(x, (int)k, axis, largest, sorted);
            return [values, indices];
        }
        return Integer(c, x, (int)k, axis, largest);
    }

    // Always sorted (ONNX leaves the order unspecified when sorted = 0).
    private static Tensor?[] Integer(OpContext c, Tensor x, int k, int axis, bool largest)
    {
        var v = IntValues.Read(c, x);
        var dims = x.Shape.Dims;
        int n = dims[axis], outer = 1, inner = 1;
        for (int d = 0; d < axis; d++) outer *= dims[d];
        for (int d = axis + 1; d < x.Rank; d++) inner *= dims[d];
        var values = new long[outer * k * inner];
        var indices = new long[values.Length];
        var order = new int[n];
        for (int o = 0; o < outer; o++)
        {
            for (int i = 0; i < inner; i++)
            {
                int start = o * n * inner + i;
                for (int r = 0; r < n; r++) order[r] = r;
                // both sorts are stable: equal values keep index order
                var ranked = largest
                    ? order.OrderByDescending(r => v[start + r * inner]).ToArray()
                    : order.OrderBy(r => v[start + r * inner]).ToArray();
                for (int j = 0; j < k; j++)
                {
                    int at = (o * k + j) * inner + i;
                    indices[at] = ranked[j];
                    values[at] = v[start + ranked[j] * inner];
                }
            }
        }
        var shape = x.Shape.With(axis, k);
        return [IntValues.Write(values, x.DType, shape), Tensor.Wrap(indices, shape)];
    }
}
