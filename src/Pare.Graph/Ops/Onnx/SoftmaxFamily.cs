using Pare.Core;
using CoreOps = Pare.Core.Ops;

namespace Pare.Graph.Ops.Onnx;

/// <summary>Softmax, LogSoftmax and Hardmax. From opset 13 they act along one axis (default −1); before, the
/// input is seen as a 2-D matrix (dims before <c>axis</c> × dims from it, default axis 1) normalized per row.</summary>
internal static class SoftmaxFamily
{
    private enum Kind { Softmax, LogSoftmax, Hardmax }

    [OnnxOp("Softmax")]
    public static Tensor?[] Softmax(OpContext c) => Run(c, Kind.Softmax);

    [OnnxOp("LogSoftmax")]
    public static Tensor?[] LogSoftmax(OpContext c) => Run(c, Kind.LogSoftmax);

    [OnnxOp("Hardmax")]
    public static Tensor?[] Hardmax(OpContext c) => Run(c, Kind.Hardmax);

    private static Tensor?[] Run(OpContext c, Kind kind)
    {
        var x = c.Input(0);
        if (x.DType != DType.Float32) throw c.Fail($"input must be float32, got {x.DType.Name()}");
        if (x.Rank == 0) throw c.Fail("input must have rank ≥ 1");
        if (c.Opset >= 13) return [Apply(kind, x, c.Axis(c.Attributes.Int("axis", -1), x.Rank))];
        // opset < 13: axis may equal the rank (then every row has one element)
        long axis = c.Attributes.Int("axis", 1);
        int a = axis == x.Rank ? x.Rank : c.Axis(axis, x.Rank);
        int rows = 1;
        for (int d = 0; d < a; d++) rows *= x.Shape.Dims[d];
        int cols = rows == 0 ? 0 : x.Count / rows;
        if (rows == 0) return [Tensor.Zeros(x.Shape)];
        return [Apply(kind, x.Reshape(rows, cols), 1).Reshape(x.Shape.Dims.ToArray())];
    }

    private static Tensor Apply(Kind kind, Tensor x, int axis) => kind switch
    {
        Kind.Softmax => CoreOps.SoftmaxOps.Softmax(x, axis),
        Kind.LogSoftmax => CoreOps.SoftmaxOps.LogSoftmax(x, axis),
        _ => HardmaxAlong(x, axis),
    };

    // 1 at the first maximum of each lane along the axis, 0 elsewhere: piecewise constant, so no gradient.
    private static Tensor HardmaxAlong(Tensor x, int axis)
    {
        var dims = x.Shape.Dims;
        int n = dims[axis], outer = 1, inner = 1;
        for (int d = 0; d < axis; d++) outer *= dims[d];
        for (int d = axis + 1; d < x.Rank; d++) inner *= dims[d];
        var v = x.ToArray<float>();
        var y = new float[v.Length];
        for (int o = 0; o < outer; o++)
        {
            for (int i = 0; i < inner; i++)
            {
                int start = o * n * inner + i, best = -1;
                for (int r = 0; r < n; r++)
                {
                    float value = v[start + r * inner];
                    if (best < 0 || value > v[start + best * inner] || float.IsNaN(value) && !float.IsNaN(v[start + best * inner])) best = r;
                }
                if (best >= 0) y[start + best * inner] = 1f;
            }
        }
        return Tensor.Wrap(y, x.Shape);
    }
}
