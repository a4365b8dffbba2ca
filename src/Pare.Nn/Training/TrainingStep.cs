using Pare.Core;
using Pare.Core.Autograd;
using Pare.Core.Ops;
using Pare.Nn.Modules;
using Pare.Nn.Optim;

namespace Pare.Nn.Training;

/// <summary>What the classifier and language-model trainers share: one optimizer step, counting correct argmax
/// predictions, and running a model in eval mode without the tape.</summary>
internal static class TrainingStep
{
    /// <summary>Sets the scheduled learning rate, then zero-grad → forward → loss → backward → optimizer step. The
    /// loss is checked before the backward pass, so a diverged step leaves the parameters untouched.</summary>
    /// <param name="model">the model, in training mode</param>
    /// <param name="optimizer">owns the model's parameters</param>
    /// <param name="schedule">learning rate per step index (from 0), or null to keep the optimizer's</param>
    /// <param name="stepIndex">steps taken before this one</param>
    /// <param name="x">the batch</param>
    /// <param name="lossOf">the scalar loss of the model's output</param>
    /// <param name="diverged">the exception to throw for a NaN or infinite loss</param>
    /// <returns>the model's output (still on the tape) and the loss value</returns>
    public static (Tensor Output, float Loss) Run(Module model, Optimizer optimizer, Func<long, float>? schedule, long stepIndex,
        Tensor x, Func<Tensor, Tensor> lossOf, Func<float, Exception> diverged)
    {
        if (schedule is not null) optimizer.LearningRate = schedule(stepIndex);
        optimizer.ZeroGrad();
        var output = model.Forward(x);
        var loss = lossOf(output);
        float value = loss.Item();
        if (!float.IsFinite(value)) throw diverged(value);
        loss.Backward();
        optimizer.Step();
        return (output, value);
    }

    /// <summary>How many rows of <paramref name="logits"/> have their argmax equal to the label.</summary>
    /// <param name="logits">(N, classes)</param>
    /// <param name="labels">N int64 labels (any shape)</param>
    public static long CountCorrect(Tensor logits, Tensor labels)
    {
        if (logits.Rank != 2 || logits.Shape[0] != labels.Count)
            throw new ArgumentException($"a classifier must return logits (N, classes) for {labels.Count} samples, got {logits.Shape}");
        var predicted = Reduce.ArgMax(logits, axis: 1).ToArray<long>();
        var truth = labels.ToArray<long>();
        long n = 0;
        for (int i = 0; i < truth.Length; i++) if (predicted[i] == truth[i]) n++;
        return n;
    }

    /// <summary>Runs <paramref name="body"/> with the model in eval mode and no tape, then restores its mode.</summary>
    public static T InEvalMode<T>(Module model, Func<T> body)
    {
        bool wasTraining = model.Training;
        model.Eval();
        try
        {
            using var noGrad = Tape.NoGrad();
            return body();
        }
        finally
        {
            model.Train(wasTraining);
        }
    }
}
