using Pare.Core;
using Pare.Core.Random;
using Pare.Nn.Checkpoints;
using Pare.Nn.Optim;
using Pare.Nn.Presets;

namespace Pare.Nn.Tests.Training;

public class PresetAndCheckpointTests
{
    [Fact]
    public void Presets_have_pytorch_names_shapes_and_outputs()
    {
        var mlp = ModelPresets.Create("mlp", new Rng(0));
        Assert.Equal(784 * 512 + 512 + 512 * 256 + 256 + 256 * 10 + 10, mlp.ParameterCount);
        Assert.Equal(new Shape(512, 784), mlp.StateDict()["1.weight"].Shape);
        var cnn = ModelPresets.Create("cnn", new Rng(0));
        Assert.Equal(new[] { "0.bias", "0.weight", "3.bias", "3.weight", "7.bias", "7.weight", "9.bias", "9.weight" },
            cnn.StateDict().Keys.Order(StringComparer.Ordinal));
        Assert.Equal(new Shape(128, 3136), cnn.StateDict()["7.weight"].Shape);
        Assert.Equal(421_642, cnn.ParameterCount);  // torch_train.py's "params" for cnn
        var x = Tensor.Zeros([2, 1, 28, 28]);
        Assert.Equal(new Shape(2, 10), cnn.Forward(x).Shape);
        Assert.Equal(new Shape(2, 10), mlp.Forward(x).Shape);
    }

    [Fact]
    public void Unknown_preset_lists_the_known_ones()
    {
        var e = Assert.Throws<ArgumentException>(() => ModelPresets.Create("resnet", new Rng(0)));
        Assert.Contains("resnet", e.Message, StringComparison.Ordinal);
        Assert.Contains("mlp, cnn", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Checkpoint_round_trips_model_optimizer_and_metadata()
    {
        var dir = TrainerTests.NewDir();
        try
        {
            var model = ModelPresets.Create("mlp", new Rng(1));
            var opt = new Adam([new ParameterGroup(model.NamedParameters().ToList())]);
            foreach (var p in model.Parameters()) p.Grad = Tensor.Ones(p.Shape);
            opt.Step();
            Checkpoint.Save(dir, model, opt, new CheckpointInfo("mlp", "mnist", 3, 42));

            var other = ModelPresets.Create("mlp", new Rng(2));
            var otherOpt = new Adam([new ParameterGroup(other.NamedParameters().ToList())]);
            var info = Checkpoint.Load(dir, other, otherOpt);
            Assert.Equal(new CheckpointInfo("mlp", "mnist", 3, 42), info);
            Assert.Equal(model.StateDict()["5.weight"].ToArray<float>(), other.StateDict()["5.weight"].ToArray<float>());
            Assert.Equal(1, otherOpt.Steps);
            Assert.Equal(opt.StateDict()["1.weight.exp_avg_sq"].ToArray<float>(), otherOpt.StateDict()["1.weight.exp_avg_sq"].ToArray<float>());
            Assert.Empty(Directory.GetFiles(dir, "*.tmp"));
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public void Loading_into_the_wrong_model_names_file_and_every_mismatch()
    {
        var dir = TrainerTests.NewDir();
        try
        {
            Checkpoint.Save(dir, ModelPresets.Create("mlp", new Rng(1)), null, new CheckpointInfo("mlp", "mnist", 1, 0));
            var e = Assert.Throws<CheckpointMismatchException>(() => Checkpoint.Load(dir, ModelPresets.Create("cnn", new Rng(0))));
            Assert.Contains(Checkpoint.ModelFile, e.Message, StringComparison.Ordinal);
            Assert.Contains("missing: 0.weight (32, 1, 3, 3) float32", e.Message, StringComparison.Ordinal);
            Assert.Contains("unexpected: 1.weight (512, 784) float32", e.Message, StringComparison.Ordinal);
            Assert.Contains("mismatch: 3.weight is (256, 512) float32 in the checkpoint, (64, 32, 3, 3) float32 in the model", e.Message, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public void Missing_or_foreign_checkpoint_is_bad_input()
    {
        var dir = TrainerTests.NewDir();
        try
        {
            Assert.Throws<FileNotFoundException>(() => Checkpoint.ReadInfo(dir));
            Pare.Core.Serialization.SafeTensors.Write(Path.Combine(dir, Checkpoint.ModelFile), new Dictionary<string, Tensor> { ["w"] = Tensor.Zeros([2]) });
            var e = Assert.Throws<InvalidDataException>(() => Checkpoint.ReadInfo(dir));
            Assert.True(e.Message.Contains("pare.preset", StringComparison.Ordinal), e.Message);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
