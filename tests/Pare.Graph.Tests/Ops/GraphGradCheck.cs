using Pare.Core;
using Pare.Core.Autograd;
using Pare.Core.Random;

namespace Pare.Graph.Tests.Ops;

/// <summary>Central-difference check of the gradient a one-node graph gives its float inputs under the training
/// runner: L = Σ y·w with fixed random weights, evaluated in double.</summary>
internal static class GraphGradCheck
{
    // finite differences with step 1e-2 over a float32 forward: O(h²) truncation plus float32 rounding / h
    private const double Relative = 2e-2;
    private const double Absolute = 2e-3;
    private const float Step = 1e-2f;

    public static void Check(Node node, long opset, int[] differentiable, params Tensor[] inputs)
    {
        foreach (int k in differentiable) inputs[k].RequiresGrad = true;
        var y = OneNode.RunTraining(node, opset, inputs)[0];
        var w = Tensor.Uniform(y.Shape, -1f, 1f, new Rng(5));
        y.Backward(w);
        var weights = w.ToArray<float>();
        foreach (int k in differentiable)
        {
            var analytic = inputs[k].Grad?.ToArray<float>() ?? throw new InvalidOperationException($"input {k} got no gradient");
            var data = inputs[k].AsSpan<float>();
            for (int i = 0; i < data.Length; i++)
            {
                float saved = data[i];
                data[i] = saved + Step;
                double plus = Loss(node, opset, inputs, weights);
                data[i] = saved - Step;
                double minus = Loss(node, opset, inputs, weights);
                data[i] = saved;
                double h = ((double)(saved + Step) - (saved - Step)) / 2;
                double numeric = (plus - minus) / (2 * h);
                Assert.True(Math.Abs(numeric - analytic[i]) <= Absolute + Relative * Math.Abs(numeric),
                    $"{node.OpType} input {k} element {i}: analytic {analytic[i]} vs numeric {numeric}");
            }
        }
    }

    private static double Loss(Node node, long opset, Tensor[] inputs, float[] weights)
    {
        using var _ = Tape.NoGrad();
        var values = OneNode.Run(node, opset, inputs)[0].ToArray<float>();
        double sum = 0;
        for (int i = 0; i < values.Length; i++) sum += (double)values[i] * weights[i];
        return sum;
    }
}
