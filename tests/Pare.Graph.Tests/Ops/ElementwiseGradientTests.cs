using Pare.Core;
using Pare.Core.Random;
using static Pare.Graph.Tests.Ops.OneNode;

namespace Pare.Graph.Tests.Ops;

/// <summary>The elementwise ONNX ops pass gradients through the training runner, broadcast operands included
/// (their gradients are summed back to the operand's shape).</summary>
public class ElementwiseGradientTests
{
    // |x| in [0.5, 2): away from 0 (Div, Reciprocal, PRelu's kink), sign by seed parity
    private static Tensor R(ulong seed, params int[] shape) => Tensor.Uniform(new Shape(shape), 0.5f, 2f, new Rng(seed)) * (seed % 2 == 0 ? 1f : -1f);

    // Values k·0.3 + shift in a shuffled order, so two grids with shifts 0 and 0.15 never come within 0.15 (no ties
    // for Max/Min) and none is within 0.05 of ±0.5, 0 or ±1.
    private static Tensor Grid(float shift, params int[] shape)
    {
        var s = new Shape(shape);
        var data = new float[s.ElementCount];
        for (int i = 0; i < data.Length; i++) data[i] = ((i * 7 + 3) % 13 - 6) * 0.3f + shift + 0.07f;
        return Tensor.Wrap(data, s);
    }

    [Fact]
    public void Broadcast_arithmetic()
    {
        foreach (var op in new[] { "Add", "Sub", "Mul", "Div" })
            GraphGradCheck.Check(Make(op, 2, 1), 13, [0, 1], R(1, 2, 3), R(2, 3));
        GraphGradCheck.Check(Make("Pow", 2, 1), 13, [0, 1], R(4, 2, 3), R(5, 1, 3));
        GraphGradCheck.Check(Make("Mod", 2, 1, ("fmod", I(1))), 13, [0, 1], Grid(0f, 2, 3), Tensor.FromSpan<float>([0.7f, -1.1f, 0.45f]));
    }

    [Fact]
    public void Variadic_sum_mean_max_min()
    {
        foreach (var op in new[] { "Sum", "Mean" })
            GraphGradCheck.Check(Make(op, 3, 1), 13, [0, 1, 2], R(1, 2, 3), R(2, 3), R(3, 2, 1));
        foreach (var op in new[] { "Max", "Min" })
            GraphGradCheck.Check(Make(op, 2, 1), 13, [0, 1], Grid(0f, 2, 3), Grid(0.15f, 3));
    }

    [Fact]
    public void Clip_where_prelu()
    {
        GraphGradCheck.Check(Make("Clip", 1, 1, ("min", F(-0.5f)), ("max", F(1f))), 6, [0], Grid(0f, 3, 4));
        var clip = Make("Clip", 3, 1);
        GraphGradCheck.Check(clip, 13, [0], Grid(0f, 3, 4), Tensor.Scalar(-0.5f), Tensor.Scalar(1f));
        var cond = Tensor.Wrap(new[] { true, false, true }, new Shape(3));
        GraphGradCheck.Check(Make("Where", 3, 1), 16, [1, 2], cond, R(1, 2, 3), R(2, 1));
        GraphGradCheck.Check(Make("PRelu", 2, 1), 16, [0, 1], R(3, 2, 3, 2), R(4, 3, 1));
    }

    [Fact]
    public void Unary_math_and_activations()
    {
        foreach (var op in new[] { "Neg", "Abs", "Reciprocal", "Exp", "Sin", "Cos", "Atan", "Sinh", "Erf", "Sigmoid", "Tanh", "Softplus", "Softsign", "Mish", "Selu", "Elu", "HardSwish", "HardSigmoid", "LeakyRelu", "Floor" })
            GraphGradCheck.Check(Make(op, 1, 1), 20, [0], Grid(0f, 3, 4));
        GraphGradCheck.Check(Make("Gelu", 1, 1, ("approximate", S("tanh"))), 20, [0], Grid(0f, 3, 4));
        GraphGradCheck.Check(Make("Celu", 1, 1, ("alpha", F(2f))), 20, [0], Grid(0f, 3, 4));
        GraphGradCheck.Check(Make("Sqrt", 1, 1), 20, [0], R(2, 3, 4));
        GraphGradCheck.Check(Make("Log", 1, 1), 20, [0], R(2, 3, 4));
        GraphGradCheck.Check(Make("Cast", 1, 1, ("to", I((long)ElementType.Float))), 20, [0], R(2, 3));
    }
}
