using Pare.Core;
using CoreOps = Pare.Core.Ops;

namespace Pare.Graph.Ops.Onnx;

/// <summary>Gemm and MatMul (float32) on Core's MatMul, so gradients flow; transposes reach the GEMM as views.</summary>
internal static class MatrixProducts
{
    /// <summary>Y = alpha · A' · B' + beta · C, A' = transA ? Aᵀ : A (2-D), C broadcast to (M, N).</summary>
    [OnnxOp("Gemm")]
    public static Tensor?[] Gemm(OpContext c)
    {
        var (a, b, bias) = (c.Input(0), c.Input(1), c.OptionalInput(2));
        RequireFloat(c, a, b);
        if (bias is not null && bias.DType != DType.Float32) throw c.Unsupported($"C must be float32 like A and B, got {bias.DType.Name()}");
        if (a.Rank != 2 || b.Rank != 2) throw c.Fail($"A {a.Shape} and B {b.Shape} must be 2-D");
        var attrs = c.Attributes;
        float alpha = attrs.Float("alpha", 1f), beta = attrs.Float("beta", 1f);
        if (attrs.Int("transA", 0) != 0) a = a.Transpose(0, 1);
        if (attrs.Int("transB", 0) != 0) b = b.Transpose(0, 1);
        if (a.Dim(1) != b.Dim(0)) throw c.Fail($"inner dimensions differ: A' {a.Shape}, B' {b.Shape}");
        var y = CoreOps.Linalg.MatMul(a, b);
        if (alpha != 1f) y = CoreOps.Elementwise.Mul(y, alpha);
        if (bias is not null && beta != 0f)
        {
            if (bias.Rank > 2) throw c.Fail($"C {bias.Shape} must broadcast to {y.Shape}");
            y = CoreOps.Elementwise.Add(y, beta == 1f ? bias : CoreOps.Elementwise.Mul(bias, beta));
        }
        return [y];
    }

    /// <summary>numpy.matmul: N-D batches broadcast; a 1-D operand gains and then loses a dimension.</summary>
    [OnnxOp("MatMul")]
    public static Tensor?[] MatMul(OpContext c)
    {
        var (a, b) = (c.Input(0), c.Input(1));
        RequireFloat(c, a, b);
        return [CoreOps.Linalg.MatMul(a, b)];
    }

    private static void RequireFloat(OpContext c, Tensor a, Tensor b)
    {
        if (a.DType != DType.Float32 || b.DType != DType.Float32)
            throw c.Unsupported($"only float32 is supported, got {a.DType.Name()} and {b.DType.Name()}");
    }
}
