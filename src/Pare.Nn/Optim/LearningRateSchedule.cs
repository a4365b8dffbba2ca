namespace Pare.Nn.Optim;

/// <summary>Learning rate as a function of the step (0-based): the schedules of the layers issue. Compose
/// warm-up with any other via <see cref="WithWarmup"/>.</summary>
public static class LearningRateSchedule
{
    /// <summary>A constant rate.</summary>
    public static Func<long, float> Constant(float lr) => _ => lr;

    /// <summary>lr·γ^⌊step/stepSize⌋.</summary>
    public static Func<long, float> Step(float lr, long stepSize, float gamma)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(stepSize, 1);
        return s => lr * MathF.Pow(gamma, s / stepSize);
    }

    /// <summary>Cosine annealing from lr to <paramref name="minLr"/> over <paramref name="totalSteps"/>.</summary>
    public static Func<long, float> Cosine(float lr, long totalSteps, float minLr = 0)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(totalSteps, 1);
        return s => minLr + (lr - minLr) * 0.5f * (1 + MathF.Cos(MathF.PI * Math.Min(s, totalSteps) / totalSteps));
    }

    /// <summary>Linear warm-up over <paramref name="warmupSteps"/> as PyTorch's LambdaLR(min(1, (s+1)/w)),
    /// then <paramref name="after"/>.</summary>
    public static Func<long, float> WithWarmup(Func<long, float> after, long warmupSteps)
    {
        ArgumentNullException.ThrowIfNull(after);
        return s => after(s) * Math.Min(1f, (s + 1) / (float)warmupSteps);
    }

    /// <summary>One-cycle: cosine rise from maxLr/<paramref name="divFactor"/> to maxLr over the first
    /// <paramref name="pctStart"/> of the steps, then cosine decay to maxLr/(divFactor·finalDivFactor).</summary>
    public static Func<long, float> OneCycle(float maxLr, long totalSteps, float pctStart = 0.3f, float divFactor = 25, float finalDivFactor = 1e4f)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(totalSteps, 2);
        float start = maxLr / divFactor, end = start / finalDivFactor;
        float up = pctStart * totalSteps - 1;
        return s =>
        {
            static float Anneal(float a, float b, float pct) => b + (a - b) / 2 * (MathF.Cos(MathF.PI * pct) + 1);
            return s <= up ? Anneal(start, maxLr, s / up) : Anneal(maxLr, end, Math.Min(1, (s - up) / (totalSteps - 1 - up)));
        };
    }
}
