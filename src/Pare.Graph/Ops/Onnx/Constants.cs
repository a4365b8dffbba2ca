using Pare.Core;

namespace Pare.Graph.Ops.Onnx;

/// <summary>Constant and Identity.</summary>
internal static class Constants
{
    [OnnxOp("Constant")]
    public static Tensor?[] Constant(OpContext c)
    {
        var a = c.Attributes;
        if (a.Tensor("value") is { } t) return [t];
        if (a.Find("value_float") is { } f) return [Tensor.Scalar(f.F)];
        if (a.Floats("value_floats") is { } fs) return [Tensor.FromSpan<float>(fs)];
        if (a.Find("value_int") is { } i) return [Tensor.Wrap([i.I], default)];
        if (a.Ints("value_ints") is { } ints) return [Tensor.FromSpan<long>(ints)];
        if (a.Has("value_string") || a.Has("value_strings")) throw c.Unsupported("string constants are not supported");
        if (a.Has("sparse_value")) throw c.Unsupported("sparse constants are not supported");
        throw c.Fail("has no value attribute");
    }

    [OnnxOp("Identity")]
    public static Tensor?[] Identity(OpContext c) => [c.Input(0)];
}
