using Pare.Core;

namespace Pare.Graph.Ops.Onnx;

/// <summary>ONNX Cast and CastLike between the element types Pare computes in (float32, int8, uint8, int32, int64,
/// bool). Float → integer truncates toward zero, → bool is x ≠ 0. Opset 19's saturate attribute only concerns the
/// float8 types, which Pare does not hold, so it is ignored. Casts to other types are unsupported (skipped), since
/// Pare adds no dtypes for them.</summary>
internal static class Cast
{
    [OnnxOp("Cast")]
    public static Tensor?[] Run(OpContext c)
    {
        var to = (ElementType)c.Attributes.Int("to");
        var dtype = to.ToDType() ?? throw c.Unsupported($"cast to {to} is not supported (Pare computes in float32, int8, uint8, int32, int64 and bool)");
        return [Convert(c.Input(0), dtype)];
    }

    [OnnxOp("CastLike", SinceVersion = 15)]
    public static Tensor?[] Like(OpContext c) => [Convert(c.Input(0), c.Input(1).DType)];

    // Same type: the input itself, so a float → float cast keeps the gradient path.
    private static Tensor Convert(Tensor x, DType dtype) => x.DType == dtype ? x : x.To(dtype);
}
