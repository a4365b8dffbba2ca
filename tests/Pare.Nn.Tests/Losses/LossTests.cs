using System.Text.Json;
using Pare.Core;
using Pare.Nn.Losses;

namespace Pare.Nn.Tests.Losses;

public class LossTests
{
    // Losses are means of a few dozen float32 terms, each a log-softmax or product: a few ulps each.
    private const float ValueTolerance = 2e-6f;
    private const float GradTolerance = 2e-6f;

    private static readonly JsonElement[] Cases =
        JsonDocument.Parse(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Fixtures", "losses.json"))).RootElement.EnumerateArray().ToArray();

    public static TheoryData<string> Names
    {
        get
        {
            var d = new TheoryData<string>();
            foreach (var c in Cases) d.Add(c.GetProperty("name").GetString()!);
            return d;
        }
    }

    private static float[] Floats(JsonElement e) => e.EnumerateArray().Select(x => (float)x.GetDouble()).ToArray();

    [Theory]
    [MemberData(nameof(Names))]
    public void Value_and_gradient_equal_pytorch(string name)
    {
        var c = Cases.Single(x => x.GetProperty("name").GetString() == name);
        int[] shape = c.GetProperty("shape").EnumerateArray().Select(v => v.GetInt32()).ToArray();
        var x = Tensor.FromSpan<float>(Floats(c.GetProperty("x")), shape);
        x.RequiresGrad = true;
        var extra = c.GetProperty("extra");
        Tensor Other() => Tensor.FromSpan<float>(Floats(extra.GetProperty("target")), shape);
        Tensor Targets() => Tensor.FromSpan<long>(extra.GetProperty("targets").EnumerateArray().Select(v => v.GetInt64()).ToArray(), [shape[0]]);
        var loss = name switch
        {
            "ce" or "ce_ignore" => Loss.CrossEntropy(x, Targets()),
            "ce_smooth" => Loss.CrossEntropy(x, Targets(), 0.1f),
            "ce_ignore_smooth" => Loss.CrossEntropy(x, Targets(), 0.2f),
            "nll" => Loss.Nll(x, Targets()),
            "mse" => Loss.Mse(x, Other()),
            "l1" => Loss.L1(x, Other()),
            "bce" => Loss.BceWithLogits(x, Other()),
            _ when name.StartsWith("kd_", StringComparison.Ordinal) => Loss.KlDivergence(x, Other(), (float)extra.GetProperty("temperature").GetDouble()),
            _ => throw new ArgumentException(name),
        };
        float expected = (float)c.GetProperty("value").GetDouble();
        Assert.True(Math.Abs(loss.Item() - expected) <= ValueTolerance * (1 + Math.Abs(expected)), $"{name}: {loss.Item()} vs PyTorch {expected}");
        loss.Backward();
        var g = x.Grad!.ToArray<float>();
        var eg = Floats(c.GetProperty("grad"));
        for (int i = 0; i < g.Length; i++)
            Assert.True(Math.Abs(g[i] - eg[i]) <= GradTolerance * (1 + Math.Abs(eg[i])), $"{name} grad[{i}]: {g[i]} vs PyTorch {eg[i]}");
    }

    [Fact]
    public void Bad_targets_name_the_sample_and_the_shapes()
    {
        var logits = Tensor.Zeros([2, 3]);
        var e = Assert.ThrowsAny<ArgumentException>(() => Loss.CrossEntropy(logits, Tensor.FromSpan<long>([0, 3])));
        Assert.Contains("target 3 of sample 1", e.Message);
        Assert.Contains("(2, 3)", Assert.Throws<ArgumentException>(() => Loss.CrossEntropy(logits, Tensor.FromSpan<long>([0]))).Message);
        Assert.Throws<ArgumentException>(() => Loss.CrossEntropy(logits, Tensor.FromSpan<float>([0, 1])));
    }
}
