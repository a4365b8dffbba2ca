using Pare.Core;
using Pare.Core.Ops;
using Pare.Core.Random;
using Pare.Graph;
using Pare.Graph.Execution;

namespace Pare.Compression.Quantization;

/// <summary>Data-free calibration batches (BN-statistics scheme, METHODS.md §12, "The Knowledge Within" / ZeroQ):
/// start from Gaussian noise and optimize the input pixels with Adam so that, at every BatchNormalization, the batch
/// mean and standard deviation of its input match the stored running mean and √(running var + ε) (L2 distance, as
/// ZeroQ). Only the input is learned; the model stays in inference mode.</summary>
public static class DataFreeCalibration
{
    /// <summary><paramref name="batches"/> synthetic batches of <paramref name="batchSize"/> inputs shaped like the
    /// model's (single, float) input; the symbolic batch dimension is set to <paramref name="batchSize"/>.</summary>
    /// <exception cref="QuantizationException">the model has no BatchNormalization, or its input is not a fixed-size float tensor apart from the batch</exception>
    /// <remarks><paramref name="sampleShape"/> gives the per-sample dimensions (without the batch) for inputs declared
    /// with symbolic sizes, e.g. 3×48×192 for PaddleOCR's cls.</remarks>
    public static List<Tensor[]> Synthesize(Model model, int batches = 4, int batchSize = 32, int steps = 200, float learningRate = 0.1f, ulong seed = 0,
        Action<int, double>? progress = null, IReadOnlyList<int>? sampleShape = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        var shape = sampleShape is null ? InputShape(model, batchSize) : new Shape([batchSize, .. sampleShape]);
        var rng = new Rng(seed);
        var result = new List<Tensor[]>();
        for (var b = 0; b < batches; b++)
        {
            var x = Tensor.Normal(shape, 0, 1, rng).Contiguous().AsSpan<float>().ToArray();
            var (m, v) = (new float[x.Length], new float[x.Length]);
            for (var t = 1; t <= steps; t++)
            {
                var (loss, grad) = LossAndGradient(model, Tensor.Wrap(x, shape));
                progress?.Invoke(b * steps + t, loss);
                const float beta1 = 0.9f, beta2 = 0.999f;
                float c1 = 1 - MathF.Pow(beta1, t), c2 = 1 - MathF.Pow(beta2, t);
                for (var i = 0; i < x.Length; i++)
                {
                    m[i] = beta1 * m[i] + (1 - beta1) * grad[i];
                    v[i] = beta2 * v[i] + (1 - beta2) * grad[i] * grad[i];
                    x[i] -= learningRate * (m[i] / c1) / (MathF.Sqrt(v[i] / c2) + 1e-8f);
                }
            }
            result.Add([Tensor.Wrap(x, shape)]);
        }
        return result;
    }

    /// <summary>The BN-statistics loss Σ_l mean_c((μ_lc − μ̂_lc)² + (σ_lc − σ̂_lc)²) of input <paramref name="x"/> and
    /// its gradient with respect to the input.</summary>
    public static (double Loss, float[] Gradient) LossAndGradient(Model model, Tensor x)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(x);
        var probe = model.Clone();
        var g = probe.Graph;
        var bns = g.Nodes.Where(n => n.OpType == "BatchNormalization" && n.Domain.Length == 0 && n.Inputs.Count >= 5).ToList();
        if (bns.Count == 0) throw new QuantizationException("data-free calibration needs a model with BatchNormalization layers (it matches their running statistics); this model has none");
        var first = g.Outputs.Count;
        foreach (var bn in bns) g.Outputs.Add(new ValueInfo(bn.Inputs[0], ElementType.Float, null));
        var session = new TrainingSession(probe);
        var input = Tensor.Wrap(x.Contiguous().AsSpan<float>().ToArray(), x.Shape);
        input.RequiresGrad = true;
        var outputs = session.Forward([input]);
        Tensor? loss = null;
        for (var l = 0; l < bns.Count; l++)
        {
            var a = outputs[first + l];
            var axes = Enumerable.Range(0, a.Shape.Rank).Where(d => d != 1).ToArray();
            var eps = bns[l].Attributes.Float("epsilon", 1e-5f);
            var mean = g.Initializers[bns[l].Inputs[3]];
            var std = Elementwise.Sqrt(g.Initializers[bns[l].Inputs[4]] + eps);
            var dm = Reduce.Mean(a, axes) - mean;
            var ds = Reduce.Std(a, axes, correction: 0) - std;
            var term = Reduce.Mean(dm * dm + ds * ds);
            loss = loss is null ? term : loss + term;
        }
        loss!.Backward();
        var grad = input.Grad?.Contiguous().AsSpan<float>().ToArray() ?? new float[input.Shape.ElementCount];
        return (loss.Contiguous().AsSpan<float>()[0], grad);
    }

    private static Shape InputShape(Model model, int batchSize)
    {
        if (model.Graph.Inputs.Count != 1 || model.Graph.Inputs[0] is not { ElementType: ElementType.Float, Shape: { } dims })
            throw new QuantizationException("data-free calibration needs a model with one float input of declared shape");
        var sizes = new int[dims.Count];
        for (var d = 0; d < dims.Count; d++)
        {
            if (dims[d].IsFixed) sizes[d] = (int)dims[d].Value!.Value;
            else if (d == 0) sizes[d] = batchSize;
            else throw new QuantizationException($"data-free calibration needs fixed input dimensions; input '{model.Graph.Inputs[0].Name}' has {model.Graph.Inputs[0].ShapeText}");
        }
        return new Shape(sizes);
    }
}
