using System.Text.Json;
using Pare.Core;
using Pare.Nn.Optim;

namespace Pare.Nn.Tests.Optim;

public class OptimizerTests
{
    // Five steps of float32 arithmetic in a different association order than PyTorch's kernels: a few ulps.
    private const float TrajectoryTolerance = 2e-6f;

    private static readonly JsonElement Reference =
        JsonDocument.Parse(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Fixtures", "optim.json"))).RootElement;

    private static float[] Floats(JsonElement e) => e.EnumerateArray().Select(x => (float)x.GetDouble()).ToArray();

    public static TheoryData<string> Configs => new() { "sgd", "sgd_momentum_wd", "sgd_nesterov", "adam", "adam_wd", "adamw" };

    private static Optimizer Make(string config, Tensor p)
    {
        var groups = new[] { new ParameterGroup([("p", p)]) };
        return config switch
        {
            "sgd" => new Sgd(groups, 0.1f),
            "sgd_momentum_wd" => new Sgd(groups, 0.1f, momentum: 0.9f, weightDecay: 0.01f),
            "sgd_nesterov" => new Sgd(groups, 0.05f, momentum: 0.8f, nesterov: true),
            "adam" => new Adam(groups, 1e-2f),
            "adam_wd" => new Adam(groups, 1e-2f, weightDecay: 0.1f),
            "adamw" => Adam.AdamW(groups, 1e-2f, 0.9f, 0.99f, weightDecay: 0.1f),
            _ => throw new ArgumentException(config),
        };
    }

    [Theory]
    [MemberData(nameof(Configs))]
    public void Trajectory_equals_pytorch(string config)
    {
        var p = Tensor.FromSpan<float>(Floats(Reference.GetProperty("p0")));
        var opt = Make(config, p);
        var grads = Reference.GetProperty("grads").EnumerateArray().Select(Floats).ToList();
        var expected = Reference.GetProperty("trajectories").GetProperty(config).EnumerateArray().Select(Floats).ToList();
        for (int step = 0; step < grads.Count; step++)
        {
            p.Grad = Tensor.FromSpan<float>(grads[step]);
            opt.Step();
            var actual = p.ToArray<float>();
            for (int i = 0; i < actual.Length; i++)
                Assert.True(Math.Abs(actual[i] - expected[step][i]) <= TrajectoryTolerance * (1 + Math.Abs(expected[step][i])),
                    $"{config} step {step + 1} element {i}: {actual[i]} vs PyTorch {expected[step][i]}");
        }
    }

    [Fact]
    public void State_round_trips_and_resumes_identically()
    {
        var grads = Reference.GetProperty("grads").EnumerateArray().Select(Floats).ToList();
        var a = Tensor.FromSpan<float>(Floats(Reference.GetProperty("p0")));
        var optA = Make("adamw", a);
        for (int s = 0; s < 5; s++)
        {
            a.Grad = Tensor.FromSpan<float>(grads[s]);
            optA.Step();
        }
        var b = Tensor.FromSpan<float>(Floats(Reference.GetProperty("p0")));
        var optB = Make("adamw", b);
        for (int s = 0; s < 2; s++)
        {
            b.Grad = Tensor.FromSpan<float>(grads[s]);
            optB.Step();
        }
        var c = b.Clone();
        var optC = Make("adamw", c);
        optC.LoadStateDict(optB.StateDict());
        for (int s = 2; s < 5; s++)
        {
            c.Grad = Tensor.FromSpan<float>(grads[s]);
            optC.Step();
        }
        Assert.Equal(a.ToArray<float>(), c.ToArray<float>());
        var bad = new Dictionary<string, Tensor> { ["q.exp_avg"] = Tensor.Zeros([7]) };
        Assert.Contains("q.exp_avg", Assert.Throws<ArgumentException>(() => optC.LoadStateDict(bad)).Message);
    }

    [Fact]
    public void Schedules_equal_pytorch()
    {
        var oneCycle = LearningRateSchedule.OneCycle(0.1f, 20);
        var expected = Floats(Reference.GetProperty("one_cycle"));
        for (int s = 0; s < expected.Length; s++) Assert.Equal(expected[s], oneCycle(s), 5);
        var cosine = LearningRateSchedule.Cosine(0.1f, 10);
        expected = Floats(Reference.GetProperty("cosine"));
        for (int s = 0; s < expected.Length; s++) Assert.Equal(expected[s], cosine(s), 5);
        var warm = LearningRateSchedule.WithWarmup(LearningRateSchedule.Constant(1e-3f), 100);
        Assert.Equal(1e-5f, warm(0), 8);
        Assert.Equal(1e-3f, warm(99), 8);
        Assert.Equal(0.025f, LearningRateSchedule.Step(0.1f, 10, 0.5f)(25), 6);
    }

    [Fact]
    public void Clip_by_norm_equals_pytorch()
    {
        var p = Tensor.FromSpan<float>([3f, 4f]);
        p.Grad = Tensor.FromSpan<float>([3f, 4f]);
        double norm = GradientClipping.ClipByNorm([p], 1.0);
        var clip = Reference.GetProperty("clip");
        Assert.Equal(clip.GetProperty("norm").GetDouble(), norm, 5);
        Assert.Equal(Floats(clip.GetProperty("grad")), p.Grad.ToArray<float>());
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Vectorized_updates_equal_the_scalar_formulas_bit_for_bit(bool nesterov)
    {
        // 37 values: whole vectors and a scalar tail, three steps (the first initializes the momentum buffer)
        const int n = 37;
        var rng = new Pare.Core.Random.Rng(7);
        float[] p0 = Tensor.Normal([n], 0, 1, rng).ToArray<float>();
        float[][] grads = [.. Enumerable.Range(0, 3).Select(_ => Tensor.Normal([n], 0, 1, rng).ToArray<float>())];

        var sgdP = Tensor.FromSpan<float>(p0, [n]);
        var sgd = new Sgd([("w", sgdP)], 0.1f, momentum: 0.9f, nesterov: nesterov, weightDecay: 0.01f);
        var adamP = Tensor.FromSpan<float>(p0, [n]);
        var adam = Adam.AdamW([new ParameterGroup([("w", adamP)])], 0.01f, weightDecay: 0.1f);
        float[] ps = (float[])p0.Clone(), buf = new float[n], pa = (float[])p0.Clone(), m = new float[n], v = new float[n];
        for (int step = 1; step <= 3; step++)
        {
            var g = grads[step - 1];
            sgdP.Grad = Tensor.FromSpan<float>(g, [n]);
            sgd.Step();
            adamP.Grad = Tensor.FromSpan<float>(g, [n]);
            adam.Step();
            for (int i = 0; i < n; i++)
            {
                float d = g[i] + 0.01f * ps[i];
                buf[i] = step == 1 ? d : 0.9f * buf[i] + d;
                ps[i] -= 0.1f * (nesterov ? d + 0.9f * buf[i] : buf[i]);
            }
            float bc1 = (float)(1 - Math.Pow(0.9f, step)), bc2Sqrt = (float)Math.Sqrt(1 - Math.Pow(0.999f, step));
            for (int i = 0; i < n; i++)
            {
                float pi = pa[i] * (1 - 0.01f * 0.1f);
                m[i] = m[i] * 0.9f + (1 - 0.9f) * g[i];
                v[i] = v[i] * 0.999f + (1 - 0.999f) * g[i] * g[i];
                pa[i] = pi - 0.01f / bc1 * (m[i] / (MathF.Sqrt(v[i]) / bc2Sqrt + 1e-8f));
            }
        }
        Assert.Equal(ps, sgdP.ToArray<float>());
        Assert.Equal(pa, adamP.ToArray<float>());
    }

    [Fact]
    public void Bad_hyperparameters_are_rejected()
    {
        var groups = new[] { new ParameterGroup([("p", Tensor.Zeros([2]))]) };
        Assert.ThrowsAny<ArgumentException>(() => new Sgd(groups, -1f));
        Assert.ThrowsAny<ArgumentException>(() => new Sgd(groups, float.NaN));
        Assert.ThrowsAny<ArgumentException>(() => new Sgd(groups, 0.1f, nesterov: true));
        Assert.ThrowsAny<ArgumentException>(() => new Adam(groups, 1e-3f, beta1: 1f));
        Assert.ThrowsAny<ArgumentException>(() => new Sgd([new ParameterGroup([("i", Tensor.Zeros([2], DType.Int64))])], 0.1f));
    }
}
