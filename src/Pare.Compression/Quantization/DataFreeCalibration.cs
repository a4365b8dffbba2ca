using Pare.Core;
using Pare.Core.Ops;
using Pare.Core.Random;
using Pare.Graph;
using Pare.Graph.Execution;

namespace Pare.Compression.Quantization;

/// <summary>What data-free synthesis optimizes the input pixels for.</summary>
public enum DataFreeObjective
{
    /// <summary>At every BatchNormalization, the batch mean and standard deviation of its input match the stored
    /// running mean and √(running var + ε) (L2 distance, as ZeroQ) — METHODS.md §12's scheme.</summary>
    BatchNormStatistics,

    /// <summary>The baseline METHODS.md names beside Gaussian noise: sample i is pushed toward class i mod K
    /// (cross-entropy of the model's first output against that class) under an L2 prior on the pixels,
    /// λ·mean(x²) with λ = <see cref="DataFreeCalibration.PixelPrior"/>, which keeps them at the scale of the noise they
    /// start from. Needs no BatchNorm.</summary>
    ClassLogits,
}

/// <summary>Data-free calibration batches (METHODS.md §12, "The Knowledge Within" / ZeroQ): start from Gaussian noise
/// and optimize the input pixels with Adam for a <see cref="DataFreeObjective"/>. Only the input is learned; the
/// model stays in inference mode.</summary>
public static class DataFreeCalibration
{
    /// <summary>Weight λ of the pixel prior λ·mean(x²) under <see cref="DataFreeObjective.ClassLogits"/>.</summary>
    public const float PixelPrior = 0.05f;

    /// <summary><paramref name="batches"/> synthetic batches of <paramref name="batchSize"/> inputs shaped like the
    /// model's (single, float) input; the symbolic batch dimension is set to <paramref name="batchSize"/>.</summary>
    /// <exception cref="QuantizationException">BatchNormStatistics on a model without BatchNormalization, or an input
    /// that is not a fixed-size float tensor apart from the batch</exception>
    /// <remarks><paramref name="sampleShape"/> gives the per-sample dimensions (without the batch) for inputs declared
    /// with symbolic sizes, e.g. 3×48×192 for PaddleOCR's cls.</remarks>
    public static List<Tensor[]> Synthesize(Model model, int batches = 4, int batchSize = 32, int steps = 200, float learningRate = 0.1f, ulong seed = 0,
        Action<int, double>? progress = null, IReadOnlyList<int>? sampleShape = null, DataFreeObjective objective = DataFreeObjective.BatchNormStatistics)
    {
        ArgumentNullException.ThrowIfNull(model);
        var shape = sampleShape is null ? InputShape(model, batchSize) : new Shape([batchSize, .. sampleShape]);
        var loss = new Objective(model, objective);
        var rng = new Rng(seed);
        var result = new List<Tensor[]>();
        for (var b = 0; b < batches; b++)
        {
            var x = Tensor.Normal(shape, 0, 1, rng).Contiguous().AsSpan<float>().ToArray();
            var (m, v) = (new float[x.Length], new float[x.Length]);
            for (var t = 1; t <= steps; t++)
            {
                var (value, grad) = loss.ValueAndGradient(Tensor.Wrap(x, shape));
                progress?.Invoke(b * steps + t, value);
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

    /// <summary>The <paramref name="objective"/>'s loss at input <paramref name="x"/> and its gradient with respect to
    /// the input. BatchNormStatistics: Σ_l mean_c((μ_lc − μ̂_lc)² + (σ_lc − σ̂_lc)²); ClassLogits: mean_i
    /// −log softmax(y_i)[i mod K] + λ·mean(x²).</summary>
    public static (double Loss, float[] Gradient) LossAndGradient(Model model, Tensor x, DataFreeObjective objective = DataFreeObjective.BatchNormStatistics)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(x);
        return new Objective(model, objective).ValueAndGradient(x);
    }

    /// <summary>A probe copy of the model (BatchNorm inputs added as outputs) and one training session over it, built
    /// once per synthesis and run at every step.</summary>
    private sealed class Objective
    {
        private readonly DataFreeObjective _kind;
        private readonly ModelGraph _graph;
        private readonly List<Node> _batchNorms;
        private readonly int _first;
        private readonly TrainingSession _session;

        public Objective(Model model, DataFreeObjective kind)
        {
            _kind = kind;
            var probe = model.Clone();
            _graph = probe.Graph;
            _batchNorms = kind == DataFreeObjective.BatchNormStatistics
                ? [.. _graph.Nodes.Where(n => n.OpType == "BatchNormalization" && n.Domain.Length == 0 && n.Inputs.Count >= 5)]
                : [];
            if (kind == DataFreeObjective.BatchNormStatistics && _batchNorms.Count == 0)
                throw new QuantizationException("data-free calibration from BatchNorm statistics needs a model with BatchNormalization layers (it matches their running statistics); this model has none (--data-free-objective logits needs none)");
            _first = _graph.Outputs.Count;
            foreach (var bn in _batchNorms) _graph.Outputs.Add(new ValueInfo(bn.Inputs[0], ElementType.Float, null));
            _session = new TrainingSession(probe);
            foreach (var w in _session.Parameters.Values) w.RequiresGrad = false; // only the input learns
        }

        public (double Loss, float[] Gradient) ValueAndGradient(Tensor x)
        {
            var input = Tensor.Wrap(x.Contiguous().AsSpan<float>().ToArray(), x.Shape);
            input.RequiresGrad = true;
            var outputs = _session.Forward([input]);
            var loss = _kind == DataFreeObjective.BatchNormStatistics ? BatchNormLoss(outputs) : ClassLogitLoss(outputs[0], input);
            loss.Backward();
            var grad = input.Grad?.Contiguous().AsSpan<float>().ToArray() ?? new float[input.Shape.ElementCount];
            return (loss.Contiguous().AsSpan<float>()[0], grad);
        }

        private Tensor BatchNormLoss(Tensor[] outputs)
        {
            Tensor? loss = null;
            for (var l = 0; l < _batchNorms.Count; l++)
            {
                var a = outputs[_first + l];
                var axes = Enumerable.Range(0, a.Shape.Rank).Where(d => d != 1).ToArray();
                var eps = _batchNorms[l].Attributes.Float("epsilon", 1e-5f);
                var mean = _graph.Initializers[_batchNorms[l].Inputs[3]];
                var std = Elementwise.Sqrt(_graph.Initializers[_batchNorms[l].Inputs[4]] + eps);
                var dm = Reduce.Mean(a, axes) - mean;
                var ds = Reduce.Std(a, axes, correction: 0) - std;
                var term = Reduce.Mean(dm * dm + ds * ds);
                loss = loss is null ? term : loss + term;
            }
            return loss!;
        }

        private static Tensor ClassLogitLoss(Tensor logits, Tensor input)
        {
            if (logits.Shape.Rank != 2)
                throw new QuantizationException($"data-free calibration from class logits needs a first output of shape [batch, classes]; it is {logits.Shape}");
            var (n, k) = (logits.Shape[0], logits.Shape[1]);
            var target = new float[n * k];
            for (var i = 0; i < n; i++) target[i * k + i % k] = 1;
            var logP = SoftmaxOps.LogSoftmax(logits, axis: 1);
            var crossEntropy = -Reduce.Sum(logP * Tensor.Wrap(target, logits.Shape)) * (1f / n);
            return crossEntropy + Reduce.Mean(input * input) * PixelPrior;
        }
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
