using Pare.Core.Random;

namespace Pare.Core.Tests.Support;

/// <summary>Central-difference gradient check. The scalar loss is L = Σ out_i·w_i with fixed random weights w,
/// evaluated in double, so every output element's gradient path is exercised. Inputs are contiguous leaves;
/// to test non-contiguous operands, build the view inside <paramref name="f"/>.</summary>
public static class GradCheck
{
    /// <summary>Checks d L / d input for every input against (L(x+h) − L(x−h)) / 2h.</summary>
    public static void Check(Func<Tensor[], Tensor> f, Tensor[] inputs, double step = 1e-2,
        double rtol = Tolerance.GradRelative, double atol = Tolerance.GradAbsolute, ulong seed = 1, int[]? skipInputs = null)
    {
        ArgumentNullException.ThrowIfNull(f);
        ArgumentNullException.ThrowIfNull(inputs);
        foreach (var x in inputs)
        {
            if (x.DType != DType.Float32) continue;
            x.Grad = null;
            if (skipInputs is null || !skipInputs.Contains(Array.IndexOf(inputs, x))) x.RequiresGrad = true;
        }
        var output = f(inputs);
        var rng = new Rng(seed);
        var w = Tensor.Uniform(output.Shape, -1f, 1f, rng);
        output.Backward(w);
        var weights = w.ToArray<float>();

        for (int k = 0; k < inputs.Length; k++)
        {
            var x = inputs[k];
            if (!x.RequiresGrad) continue;
            Assert.True(x.Grad is not null, $"input {k} got no gradient");
            var analytic = x.Grad!.ToArray<float>();
            var data = x.AsSpan<float>();
            for (int i = 0; i < data.Length; i++)
            {
                float saved = data[i];
                data[i] = (float)(saved + step);
                double plus = Loss(f, inputs, weights);
                data[i] = (float)(saved - step);
                double minus = Loss(f, inputs, weights);
                data[i] = saved;
                // the actual perturbation is the float32-rounded one
                double h = ((double)(float)(saved + step) - (float)(saved - step)) / 2;
                double numeric = (plus - minus) / (2 * h);
                double diff = Math.Abs(numeric - analytic[i]);
                Assert.True(diff <= atol + rtol * Math.Abs(numeric),
                    $"input {k} element {i}: analytic {analytic[i]} vs numeric {numeric} (|diff| {diff})");
            }
        }
    }

    private static double Loss(Func<Tensor[], Tensor> f, Tensor[] inputs, float[] weights)
    {
        using var _ = Pare.Core.Autograd.Tape.NoGrad();
        var values = f(inputs).ToArray<float>();
        double sum = 0;
        for (int i = 0; i < values.Length; i++) sum += (double)values[i] * weights[i];
        return sum;
    }
}
