using Pare.Core;
using CoreOps = Pare.Core.Ops;

namespace Pare.Graph.Ops.Onnx;

/// <summary>ONNX activation ops, each mapped onto the Core op (so the training executor gets its gradient).
/// Attribute defaults are the spec's.</summary>
internal static class Activations
{
    /// <summary>max(x, 0); integer inputs (allowed from opset 14) take the integer path.</summary>
    [OnnxOp("Relu")]
    public static Tensor?[] Relu(OpContext c)
    {
        var x = c.Input(0);
        return x.DType switch
        {
            DType.Float32 => [CoreOps.Elementwise.Relu(x)],
            DType.Int8 => [Broadcasting.Map<sbyte, sbyte>(x, v => Math.Max(v, (sbyte)0))],
            DType.Int32 => [Broadcasting.Map<int, int>(x, v => Math.Max(v, 0))],
            DType.Int64 => [Broadcasting.Map<long, long>(x, v => Math.Max(v, 0L))],
            var t => throw c.Fail($"Relu does not take {t.Name()} input"),
        };
    }

    [OnnxOp("Sigmoid")]
    public static Tensor?[] Sigmoid(OpContext c) => [CoreOps.Elementwise.Sigmoid(c.Input(0))];

    [OnnxOp("Tanh")]
    public static Tensor?[] Tanh(OpContext c) => [CoreOps.Elementwise.Tanh(c.Input(0))];

    [OnnxOp("LeakyRelu")]
    public static Tensor?[] LeakyRelu(OpContext c) => [CoreOps.Elementwise.LeakyRelu(X(c), c.Attributes.Float("alpha", 0.01f))];

    /// <summary>x where x ≥ 0, slope·x below; the slope broadcasts to x (one per channel, typically) and gets a
    /// gradient.</summary>
    [OnnxOp("PRelu")]
    public static Tensor?[] PRelu(OpContext c)
    {
        if (c.Input(0).DType != DType.Float32) throw c.Unsupported($"integer PRelu ({c.Input(0).DType.Name()}) is not supported");
        Tensor x = X(c), slope = c.Input(1);
        if (slope.DType != DType.Float32) throw c.Fail($"slope must be float32 like x, got {slope.DType.Name()}");
        if (!x.Shape.IsBroadcastableFrom(slope.Shape)) throw c.Fail($"slope of shape {slope.Shape} does not broadcast to x of shape {x.Shape}");
        var negative = CoreOps.Elementwise.Less(x, Tensor.Scalar(0f));
        return [CoreOps.Elementwise.Where(negative, CoreOps.Elementwise.Mul(x, slope), x)];
    }

    [OnnxOp("Elu")]
    public static Tensor?[] Elu(OpContext c) => [CoreOps.Elementwise.Elu(X(c), c.Attributes.Float("alpha", 1f))];

    [OnnxOp("Selu")]
    public static Tensor?[] Selu(OpContext c) =>
        [CoreOps.Elementwise.Selu(X(c), c.Attributes.Float("alpha", CoreOps.Elementwise.SeluAlpha), c.Attributes.Float("gamma", CoreOps.Elementwise.SeluGamma))];

    [OnnxOp("Celu", SinceVersion = 12)]
    public static Tensor?[] Celu(OpContext c)
    {
        float alpha = c.Attributes.Float("alpha", 1f);
        if (alpha == 0) throw c.Fail("attribute alpha must not be 0");
        return [CoreOps.Elementwise.Celu(X(c), alpha)];
    }

    [OnnxOp("HardSigmoid")]
    public static Tensor?[] HardSigmoid(OpContext c) =>
        [CoreOps.Elementwise.HardSigmoid(X(c), c.Attributes.Float("alpha", 0.2f), c.Attributes.Float("beta", 0.5f))];

    [OnnxOp("HardSwish", SinceVersion = 14)]
    public static Tensor?[] HardSwish(OpContext c) => [CoreOps.Elementwise.HardSwish(X(c))];

    /// <summary>GELU with approximate = "none" (erf) or "tanh".</summary>
    [OnnxOp("Gelu", SinceVersion = 20)]
    public static Tensor?[] Gelu(OpContext c) => c.Attributes.String("approximate", "none") switch
    {
        "none" => [CoreOps.Elementwise.Gelu(X(c))],
        "tanh" => [CoreOps.Elementwise.Gelu(X(c), approximate: true)],
        var a => throw c.Fail($"attribute approximate must be 'none' or 'tanh', got '{a}'"),
    };

    [OnnxOp("Softplus")]
    public static Tensor?[] Softplus(OpContext c) => [CoreOps.Elementwise.Softplus(X(c))];

    [OnnxOp("Softsign")]
    public static Tensor?[] Softsign(OpContext c) => [CoreOps.Elementwise.Softsign(X(c))];

    [OnnxOp("Mish", SinceVersion = 18)]
    public static Tensor?[] Mish(OpContext c) => [CoreOps.Elementwise.Mish(X(c))];

    [OnnxOp("ThresholdedRelu", SinceVersion = 10)]
    public static Tensor?[] ThresholdedRelu(OpContext c) => [CoreOps.Elementwise.ThresholdedRelu(X(c), c.Attributes.Float("alpha", 1f))];

    private static Tensor X(OpContext c) => UnaryMath.FloatInput(c);
}
