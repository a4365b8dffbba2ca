using Pare.Core;
using Pare.Core.Random;
using Pare.Nn.Modules;

namespace Pare.Nn.Tests.Modules;

public class ModuleTests
{
    private static Sequential Cnn(ulong seed)
    {
        var rng = new Rng(seed);
        return new Sequential(
            new Conv2d(1, 32, 3, rng, padding: 1), Activation.Relu(), Pool.Max(2),
            new Conv2d(32, 64, 3, rng, padding: 1), Activation.Relu(), Pool.Max(2),
            new Flatten(), new Linear(64 * 7 * 7, 128, rng), Activation.Relu(), new Linear(128, 10, rng));
    }

    [Fact]
    public void State_dict_names_and_sizes_match_pytorch()
    {
        var m = Cnn(0);
        var names = m.StateDict().Keys.Order(StringComparer.Ordinal).ToArray();
        // The names torch.nn.Sequential gives the same CNN (../shared/peers/torch_train.py).
        Assert.Equal(["0.bias", "0.weight", "3.bias", "3.weight", "7.bias", "7.weight", "9.bias", "9.weight"], names);
        Assert.Equal(421642, m.ParameterCount);
        var bn = new BatchNorm(4);
        Assert.Equal(["bias", "num_batches_tracked", "running_mean", "running_var", "weight"], bn.StateDict().Keys.Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Default_init_has_pytorch_bounds()
    {
        var l = new Linear(400, 50, new Rng(1));
        float bound = 1 / MathF.Sqrt(400);
        var w = l.Weight.ToArray<float>();
        Assert.All(w, v => Assert.InRange(v, -bound, bound));
        // Uniform on [−b, b] has std b/√3; 20,000 samples pin it within a few percent.
        double std = Math.Sqrt(w.Select(v => (double)v * v).Average());
        Assert.InRange(std, bound / Math.Sqrt(3) * 0.97, bound / Math.Sqrt(3) * 1.03);
    }

    [Fact]
    public void Load_state_dict_copies_values_and_lists_every_problem()
    {
        var a = Cnn(1);
        var b = Cnn(2);
        b.LoadStateDict(a.StateDict());
        Assert.Equal(a.StateDict()["7.weight"].ToArray<float>(), b.StateDict()["7.weight"].ToArray<float>());

        var bad = a.StateDict();
        bad.Remove("0.bias");
        bad["9.weight"] = Tensor.Zeros([10, 127]);
        bad["extra"] = Tensor.Zeros([1]);
        var before = b.StateDict()["3.weight"].ToArray<float>();
        var e = Assert.Throws<ArgumentException>(() => b.LoadStateDict(bad));
        Assert.Contains("missing: 0.bias", e.Message);
        Assert.Contains("mismatch: 9.weight is (10, 127)", e.Message);
        Assert.Contains("unexpected: extra", e.Message);
        Assert.Equal(before, b.StateDict()["3.weight"].ToArray<float>());
    }

    [Fact]
    public void Forward_and_backward_through_the_cnn_shapes()
    {
        var m = Cnn(3);
        var x = Tensor.Normal([2, 1, 28, 28], 0, 1, new Rng(4));
        var y = m.Forward(x);
        Assert.Equal(new Shape(2, 10), y.Shape);
        Pare.Core.Ops.Reduce.Sum(y).Backward();
        Assert.All(m.Parameters(), p => Assert.NotNull(p.Grad));
        Assert.Contains("Linear(10 → 5)", Assert.Throws<ArgumentException>(() => new Linear(10, 5, new Rng(0)).Forward(Tensor.Zeros([2, 9]))).Message);
    }

    [Fact]
    public void Snake_case_of_member_names()
    {
        Assert.Equal("running_mean", Module.SnakeCase("RunningMean"));
        Assert.Equal("weight", Module.SnakeCase("Weight"));
        Assert.Equal("num_batches_tracked", Module.SnakeCase("NumBatchesTracked"));
        Assert.Equal("qkv_proj", Module.SnakeCase("QkvProj"));
    }
}
