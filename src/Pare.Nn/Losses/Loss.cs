using Pare.Core;
using Pare.Core.Ops;

namespace Pare.Nn.Losses;

/// <summary>The training losses, composed from differentiable Core ops (so their gradients need no code of their
/// own) and reduced to a mean as PyTorch's defaults do.</summary>
public static class Loss
{
    /// <summary>Cross-entropy of logits against class indices, with label smoothing and an ignored index (PyTorch's
    /// F.cross_entropy): per sample (1−ε)·(−log p_y) + ε·mean_c(−log p_c), averaged over non-ignored samples.</summary>
    /// <param name="logits">(N, C)</param>
    /// <param name="targets">(N) int64 class indices</param>
    /// <param name="labelSmoothing">ε in [0, 1)</param>
    /// <param name="ignoreIndex">targets equal to this contribute nothing</param>
    public static Tensor CrossEntropy(Tensor logits, Tensor targets, float labelSmoothing = 0, long ignoreIndex = -100)
    {
        CheckClassification(logits, targets, "cross_entropy");
        if (!(labelSmoothing is >= 0 and < 1)) throw new ArgumentOutOfRangeException(nameof(labelSmoothing), labelSmoothing, "label smoothing must be in [0, 1)");
        var logp = SoftmaxOps.LogSoftmax(logits, 1);
        var nll = PickNegative(logp, targets, ignoreIndex, out var mask, out int kept);
        var perSample = nll;
        if (labelSmoothing > 0)
        {
            var smooth = Elementwise.Mul(Elementwise.Neg(Reduce.Mean(logp, [1])), mask);
            perSample = Elementwise.Add(Elementwise.Mul(nll, 1 - labelSmoothing), Elementwise.Mul(smooth, labelSmoothing));
        }
        return Elementwise.Div(Reduce.Sum(perSample), Math.Max(kept, 0) == 0 ? float.NaN : kept);
    }

    /// <summary>Negative log-likelihood of log-probabilities (PyTorch's F.nll_loss, mean over non-ignored).</summary>
    /// <param name="logProbs">(N, C)</param>
    /// <param name="targets">(N) int64</param>
    /// <param name="ignoreIndex">targets equal to this contribute nothing</param>
    public static Tensor Nll(Tensor logProbs, Tensor targets, long ignoreIndex = -100)
    {
        CheckClassification(logProbs, targets, "nll_loss");
        var nll = PickNegative(logProbs, targets, ignoreIndex, out _, out int kept);
        return Elementwise.Div(Reduce.Sum(nll), kept == 0 ? float.NaN : kept);
    }

    /// <summary>Mean squared error.</summary>
    public static Tensor Mse(Tensor prediction, Tensor target)
    {
        var d = Elementwise.Sub(prediction, target);
        return Reduce.Mean(Elementwise.Mul(d, d));
    }

    /// <summary>Mean absolute error.</summary>
    public static Tensor L1(Tensor prediction, Tensor target) => Reduce.Mean(Elementwise.Abs(Elementwise.Sub(prediction, target)));

    /// <summary>Binary cross-entropy on logits, in the stable form max(x, 0) − x·y + log(1 + e^(−|x|)).</summary>
    /// <param name="logits">any shape</param>
    /// <param name="targets">same shape, values in [0, 1]</param>
    public static Tensor BceWithLogits(Tensor logits, Tensor targets)
    {
        ArgumentNullException.ThrowIfNull(logits);
        ArgumentNullException.ThrowIfNull(targets);
        if (logits.Shape != targets.Shape)
            throw new ArgumentException($"bce_with_logits: logits {logits.Shape} and targets {targets.Shape} differ");
        var softplus = Elementwise.Log(Elementwise.Add(Elementwise.Exp(Elementwise.Neg(Elementwise.Abs(logits))), 1f));
        return Reduce.Mean(Elementwise.Add(Elementwise.Sub(Elementwise.Relu(logits), Elementwise.Mul(logits, targets)), softplus));
    }

    /// <summary>Distillation loss: T²·KL(softmax(teacher/T) ‖ softmax(student/T)), summed over classes and averaged
    /// over the batch (PyTorch's kl_div with reduction "batchmean"). The T² keeps gradient magnitudes comparable
    /// across temperatures (Hinton et al.).</summary>
    /// <param name="studentLogits">(N, C)</param>
    /// <param name="teacherLogits">(N, C); not differentiated</param>
    /// <param name="temperature">T &gt; 0</param>
    public static Tensor KlDivergence(Tensor studentLogits, Tensor teacherLogits, float temperature = 1)
    {
        ArgumentNullException.ThrowIfNull(studentLogits);
        ArgumentNullException.ThrowIfNull(teacherLogits);
        if (!(temperature > 0)) throw new ArgumentOutOfRangeException(nameof(temperature), temperature, "temperature must be > 0");
        if (studentLogits.Shape != teacherLogits.Shape || studentLogits.Rank != 2)
            throw new ArgumentException($"kl_div: student {studentLogits.Shape} and teacher {teacherLogits.Shape} must both be (N, C)");
        var logPs = SoftmaxOps.LogSoftmax(Elementwise.Div(studentLogits, temperature), 1);
        var teacher = teacherLogits.Detach();
        var logPt = SoftmaxOps.LogSoftmax(Elementwise.Div(teacher, temperature), 1);
        var pt = Elementwise.Exp(logPt);
        var kl = Reduce.Sum(Elementwise.Mul(pt, Elementwise.Sub(logPt, logPs)));
        return Elementwise.Mul(kl, temperature * temperature / studentLogits.Dim(0));
    }

    // −logp[i, y_i] per sample (0 for ignored samples), with the 0/1 mask of kept samples and their count.
    private static Tensor PickNegative(Tensor logp, Tensor targets, long ignoreIndex, out Tensor mask, out int kept)
    {
        int n = logp.Dim(0), c = logp.Dim(1);
        var t = targets.To(DType.Int64).ToArray<long>();
        var safe = new long[n];
        var m = new float[n];
        kept = 0;
        for (int i = 0; i < n; i++)
        {
            if (t[i] == ignoreIndex) continue;
            if ((ulong)t[i] >= (ulong)c)
                throw new ArgumentOutOfRangeException(nameof(targets), t[i], $"target {t[i]} of sample {i} is outside the {c} classes");
            safe[i] = t[i];
            m[i] = 1;
            kept++;
        }
        mask = Tensor.Wrap(m, [n]);
        var picked = Indexing.Gather(logp, 1, Tensor.Wrap(safe, [n, 1])).Reshape(n);
        return Elementwise.Mul(Elementwise.Neg(picked), mask);
    }

    private static void CheckClassification(Tensor logits, Tensor targets, string op)
    {
        ArgumentNullException.ThrowIfNull(logits);
        ArgumentNullException.ThrowIfNull(targets);
        if (logits.Rank != 2 || targets.Rank != 1 || targets.Dim(0) != logits.Dim(0))
            throw new ArgumentException($"{op}: logits must be (N, C) and targets (N), got {logits.Shape} and {targets.Shape}");
        if (targets.DType is not (DType.Int64 or DType.Int32))
            throw new ArgumentException($"{op}: targets must be int64 class indices, got {targets.DType.Name()}");
    }
}
