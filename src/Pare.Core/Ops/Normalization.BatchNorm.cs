using Pare.Core.Autograd;
using Pare.Core.Kernels.Norm;

namespace Pare.Core.Ops;

// Batch norm: statistics per channel over the batch and spatial positions.
public static partial class Normalization
{
    /// <summary>Batch normalization. Training: normalizes with the batch mean and biased variance per channel
    /// and, when given, updates the running statistics in place: r ← (1 − momentum)·r + momentum·stat, using the
    /// unbiased variance for runningVar (as PyTorch does). Inference: normalizes with the running statistics.
    /// Then y = x̂·w[c] + b[c].</summary>
    /// <param name="x">(N, C) or (N, C, *)</param>
    /// <param name="runningMean">(C,) or null; updated in place in training mode</param>
    /// <param name="runningVar">(C,) or null; updated in place in training mode</param>
    /// <param name="weight">(C,) or null</param>
    /// <param name="bias">(C,) or null</param>
    /// <param name="training">batch statistics (true) or running statistics (false)</param>
    /// <param name="momentum">weight of the new batch statistic in the running average</param>
    /// <param name="eps">added to the variance</param>
    [Op("batch_norm")]
    public static Tensor BatchNorm(Tensor x, Tensor? runningMean = null, Tensor? runningVar = null, Tensor? weight = null, Tensor? bias = null,
        bool training = true, float momentum = 0.1f, float eps = 1e-5f)
    {
        ArgumentNullException.ThrowIfNull(x);
        CheckInput(x, "batch_norm");
        if (x.Rank < 2)
            throw new ArgumentException($"batch_norm: input shape {x.Shape} needs at least (N, C)", nameof(x));
        int n = x.Shape.Dims[0], c = x.Shape.Dims[1], s = 1;
        for (int i = 2; i < x.Rank; i++) s *= x.Shape.Dims[i];
        var channel = new Shape(c);
        CheckParameter(weight, channel, "weight", "batch_norm");
        CheckParameter(bias, channel, "bias", "batch_norm");
        CheckParameter(runningMean, channel, "runningMean", "batch_norm");
        CheckParameter(runningVar, channel, "runningVar", "batch_norm");
        return training
            ? BatchNormTraining(x, runningMean, runningVar, weight, bias, momentum, eps, n, c, s)
            : BatchNormInference(x, runningMean, runningVar, weight, bias, eps, n, c, s);
    }

    private static Tensor BatchNormTraining(Tensor x, Tensor? runningMean, Tensor? runningVar, Tensor? weight, Tensor? bias,
        float momentum, float eps, int n, int c, int s)
    {
        int count = n * s;
        if (count <= 1 && c > 0)
            throw new ArgumentException($"batch_norm: training needs more than one value per channel, input shape {x.Shape} has {count}", nameof(x));
        var xs = x.Detach().Contiguous().AsSpan<float>();
        float[] mean = new float[c], variance = new float[c], rstd = new float[c], shift = new float[c];
        ChannelNorm.Moments(xs, n, c, s, mean, variance);
        UpdateRunning(runningMean, mean, momentum, 1.0);
        UpdateRunning(runningVar, variance, momentum, count / (count - 1.0));
        // x̂ = (x − mean)·rstd, subtracting first: x·rstd − mean·rstd would cancel badly when |mean| ≫ std
        for (int j = 0; j < c; j++)
        {
            rstd[j] = 1f / MathF.Sqrt(variance[j] + eps);
            shift[j] = -mean[j];
        }
        var xhat = GC.AllocateUninitializedArray<float>(x.Count);
        ChannelAffine.Apply(xs, default, shift, n, c, s, xhat);
        ChannelAffine.Apply(xhat, rstd, default, n, c, s, xhat);
        var y = TensorMemory.Uninitialized<float>(x.Count);
        ChannelAffine.Apply(xhat, Values(weight), Values(bias), n, c, s, y);
        var output = Tensor.Wrap(y, x.Shape);
        return Tape.Record(output, "batch_norm", Inputs(x, weight, bias), d =>
        {
            var dy = Values(d);
            return AffineBackward(x, weight, bias, dy, xhat, n, c, s, g =>
            {
                var dx = GC.AllocateUninitializedArray<float>(g.Length);
                ChannelNorm.Backward(xhat, rstd, g, n, c, s, dx);
                return dx;
            });
        });
    }

    private static Tensor BatchNormInference(Tensor x, Tensor? runningMean, Tensor? runningVar, Tensor? weight, Tensor? bias,
        float eps, int n, int c, int s)
    {
        if (runningMean is null || runningVar is null)
            throw new ArgumentException($"batch_norm: inference on input shape {x.Shape} needs runningMean and runningVar", nameof(runningMean));
        var rm = Values(runningMean);
        var rv = Values(runningVar);
        // x̂ = (x − rm)·rstd as one affine map per channel: scale rstd, shift −rm·rstd
        var rstd = new float[c];
        var shift = new float[c];
        for (int j = 0; j < c; j++)
        {
            rstd[j] = 1f / MathF.Sqrt(rv[j] + eps);
            shift[j] = -rm[j] * rstd[j];
        }
        var inputs = Inputs(x, weight, bias);
        var y = TensorMemory.Uninitialized<float>(x.Count);
        // x̂ is kept only for the backward; without one it is computed in y's memory (the affine maps work in place)
        var xhat = Tape.ShouldRecord(inputs) ? GC.AllocateUninitializedArray<float>(x.Count) : y;
        ChannelAffine.Apply(Values(x), rstd, shift, n, c, s, xhat);
        ChannelAffine.Apply(xhat, Values(weight), Values(bias), n, c, s, y);
        var output = Tensor.Wrap(y, x.Shape);
        return Tape.Record(output, "batch_norm", inputs, d =>
        {
            var dy = Values(d);
            // the statistics are constants here, so x̂ is affine in x: dx = g·rstd
            return AffineBackward(x, weight, bias, dy, xhat, n, c, s, g =>
            {
                var dx = GC.AllocateUninitializedArray<float>(g.Length);
                ChannelAffine.Apply(g, rstd, default, n, c, s, dx);
                return dx;
            });
        });
    }

    private static void UpdateRunning(Tensor? running, float[] stat, float momentum, double scale)
    {
        if (running is null) return;
        var old = Values(running);
        var updated = new float[old.Length];
        for (int j = 0; j < old.Length; j++) updated[j] = (float)((1 - momentum) * old[j] + momentum * stat[j] * scale);
        Tensor.Wrap(updated, running.Shape).CopyTo(running);
    }
}
