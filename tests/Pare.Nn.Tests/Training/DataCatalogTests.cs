using Pare.Core;
using Pare.Core.Random;
using Pare.Nn.Presets;
using Pare.Nn.Training;

namespace Pare.Nn.Tests.Training;

public class DataCatalogTests
{
    [Fact]
    public void Names_are_unique_and_every_preset_has_a_data_set_to_train_on()
    {
        Assert.Equal(DataCatalog.Names.Count, DataCatalog.Names.Distinct(StringComparer.Ordinal).Count());
        foreach (var preset in ModelPresets.All.Values)
            Assert.Contains(DataCatalog.All, d => d.Kind == preset.Input);
    }

    [Fact]
    public void Unknown_name_lists_the_known_ones()
    {
        var e = Assert.Throws<ArgumentException>(() => DataCatalog.Load("imagenet"));
        Assert.Contains("unknown data set 'imagenet'; known data sets: fashion-mnist, fashion-mnist-subset, mnist, cifar10, sst2, tinyshakespeare",
            e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_preset_rejects_data_of_another_kind_naming_the_ones_that_fit()
    {
        var e = Assert.Throws<ArgumentException>(() => ModelPresets.Get("cnn").CheckFits(DataCatalog.Get("tinyshakespeare")));
        Assert.Contains("model 'cnn' does not train on data set 'tinyshakespeare' (a character text corpus); it needs grey 28×28 images: fashion-mnist, fashion-mnist-subset, mnist",
            e.Message, StringComparison.Ordinal);
    }

    [SharedDataFact("shared/data/cifar10-subset/data_batch_subset10k.bin", "shared/data/cifar10-subset/test_batch_subset2k.bin")]
    public void Cifar10_loads_normalized_rgb_images_with_crop_and_flip_augmentation()
    {
        var d = DataCatalog.LoadClassification("cifar10", [Paths.Repo]);
        Assert.Equal(new Shape(10000, 3, 32, 32), d.Train.Images.Shape);
        Assert.Equal(new Shape(2000, 3, 32, 32), d.Test.Images.Shape);
        // Normalized per channel: the mean of a whole channel is near 0.
        var r = d.Train.Images.Slice(1, 0, 1).Contiguous().ToArray<float>();
        Assert.InRange(r.Average(), -0.2, 0.2);
        Assert.NotNull(d.Augment);
        var batch = d.Train.Images.Slice(0, 0, 16).Clone();
        var before = batch.ToArray<float>();
        d.Augment(batch, new Rng(0));
        Assert.NotEqual(before, batch.ToArray<float>());
    }

    [SharedDataFact("shared/data/sst2/train.tsv", "shared/data/sst2/dev.tsv")]
    public void Sst2_loads_word_ids_padded_with_zero_and_the_dev_split_as_test()
    {
        var d = DataCatalog.LoadClassification("sst2", [Paths.Repo]);
        Assert.Equal(DataKind.WordSequences, d.Kind);
        Assert.Equal(67349, d.Train.Count);
        Assert.Equal(872, d.Test.Count);
        Assert.Equal(new Shape(67349, DataCatalog.Sst2Context), d.Train.Images.Shape);
        var first = d.Train.Images.Slice(0, 0, 1).Contiguous().ToArray<long>();
        Assert.Equal(7, first.Count(id => id != 0));  // "hide new secretions from the parental units"
        Assert.All(first.Skip(7), id => Assert.Equal(0L, id));
        Assert.True(d.VocabularySize > 10000);
    }

    [Fact]
    public void Transformer_classifier_ignores_padding_columns()
    {
        var model = TransformerClassifier.Create(new Rng(2), vocab: 50);
        model.Eval();
        long[] ids = [5, 7, 9, 0, 0, 0, 0, 0, 3, 4, 0, 0, 0, 0, 0, 0];
        var padded = model.Forward(Tensor.FromSpan<long>(ids, [2, 8])).ToArray<float>();
        long[] trimmed = [5, 7, 9, 3, 4, 0];
        var exact = model.Forward(Tensor.FromSpan<long>(trimmed, [2, 3])).ToArray<float>();
        Assert.Equal(exact, padded);
    }
}
