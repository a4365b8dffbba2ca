using Pare.Core;
using Pare.Graph;
using Pare.Graph.Execution;

namespace Pare.Compression.Quantization;

/// <summary>How closely a quantized model's first output follows the float model's on a set of inputs.</summary>
/// <param name="MaxAbsDiff">max |y_q − y| over every element of every batch</param>
/// <param name="RelativeError">‖y_q − y‖ / ‖y‖ over all batches</param>
/// <param name="ArgmaxAgreement">fraction of rows (every position but the last axis) whose argmax over the last axis
/// agrees; null when the last axis has one element</param>
public sealed record OutputAgreement(double MaxAbsDiff, double RelativeError, double? ArgmaxAgreement)
{
    /// <summary>The first output of <paramref name="model"/> on each batch (inference executor, optimized). With
    /// <paramref name="feedback"/> (pairs of output and input names, e.g. a recurrent state), the batches are one stream:
    /// from the second batch on, each such input is the model's own output of the batch before, so a stateful model
    /// is measured the way it runs (its error compounding through the state), not on the float model's states.</summary>
    /// <exception cref="QuantizationException">a feedback name is not an output/input of the model</exception>
    public static List<Tensor> Outputs(Model model, IReadOnlyList<Tensor[]> batches, IReadOnlyList<(string Output, string Input)>? feedback = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(batches);
        var session = new InferenceSession(model);
        var pairs = (feedback ?? []).Select(f => (Out: Index(model.Graph.Outputs, f.Output, "output"), In: Index(model.Graph.Inputs, f.Input, "input"))).ToList();
        var result = new List<Tensor>();
        Tensor[]? previous = null;
        foreach (var b in batches)
        {
            var inputs = b;
            if (previous is not null && pairs.Count > 0)
            {
                inputs = (Tensor[])b.Clone();
                foreach (var (o, i) in pairs) inputs[i] = previous[o];
            }
            previous = session.Run(inputs);
            result.Add(previous[0]);
        }
        return result;
    }

    private static int Index(List<ValueInfo> values, string name, string what)
    {
        for (var i = 0; i < values.Count; i++) if (values[i].Name == name) return i;
        throw new QuantizationException($"feedback: the model has no {what} named '{name}' ({what}s: {string.Join(", ", values.Select(v => v.Name))})");
    }

    /// <summary>Compares <paramref name="candidate"/> with <paramref name="reference"/>, batch by batch.</summary>
    public static OutputAgreement Compare(IReadOnlyList<Tensor> reference, IReadOnlyList<Tensor> candidate)
    {
        ArgumentNullException.ThrowIfNull(reference);
        ArgumentNullException.ThrowIfNull(candidate);
        double num = 0, den = 0, maxAbs = 0;
        long agree = 0, rows = 0;
        for (var b = 0; b < reference.Count; b++)
        {
            var (v, vq) = (reference[b].ToArray<float>(), candidate[b].ToArray<float>());
            for (var i = 0; i < v.Length; i++)
            {
                var d = (double)vq[i] - v[i];
                num += d * d;
                den += (double)v[i] * v[i];
                maxAbs = Math.Max(maxAbs, Math.Abs(d));
            }
            var classes = reference[b].Shape.Rank == 0 ? 1 : reference[b].Shape[reference[b].Shape.Rank - 1];
            if (classes > 1)
                for (var r = 0; r + classes <= v.Length; r += classes, rows++)
                    agree += ArgMax(v.AsSpan(r, classes)) == ArgMax(vq.AsSpan(r, classes)) ? 1 : 0;
        }
        return new OutputAgreement(maxAbs, den > 0 ? Math.Sqrt(num / den) : 0, rows > 0 ? (double)agree / rows : null);
    }

    private static int ArgMax(ReadOnlySpan<float> x)
    {
        var best = 0;
        for (var i = 1; i < x.Length; i++) if (x[i] > x[best]) best = i;
        return best;
    }
}

/// <summary>What the quantized model must keep of the float model's first output on the calibration batches; a
/// bound left null is not checked.</summary>
/// <param name="MaxAbsDiff">largest allowed max |y_q − y| (e.g. 0.02 on a probability)</param>
/// <param name="MinArgmaxAgreement">smallest allowed fraction of rows whose argmax agrees (1 = every row, e.g. every
/// CTC step of a text recognizer decodes the same class)</param>
/// <param name="Feedback">output→input pairs fed back from batch to batch when measuring (a streaming model's state;
/// see <see cref="OutputAgreement.Outputs"/>); null treats the batches as independent</param>
public sealed record AccuracyTarget(double? MaxAbsDiff = null, double? MinArgmaxAgreement = null, IReadOnlyList<(string Output, string Input)>? Feedback = null)
{
    /// <summary>True when <paramref name="a"/> is within every bound.</summary>
    public bool IsMet(OutputAgreement a)
    {
        ArgumentNullException.ThrowIfNull(a);
        return (MaxAbsDiff is not { } m || a.MaxAbsDiff <= m)
            && (MinArgmaxAgreement is not { } g || (a.ArgmaxAgreement ?? 1) >= g);
    }

    /// <summary>How far <paramref name="a"/> is from meeting the target, for ranking layers: the bounded measures
    /// (max |diff| relative to its bound, argmax disagreement); callers break ties by the relative error.</summary>
    public double Badness(OutputAgreement a)
    {
        ArgumentNullException.ThrowIfNull(a);
        double badness = 0;
        if (MaxAbsDiff is { } m) badness += a.MaxAbsDiff / Math.Max(m, 1e-12);
        if (MinArgmaxAgreement is not null) badness += (1 - (a.ArgmaxAgreement ?? 1)) * 1e3;
        return badness;
    }
}
