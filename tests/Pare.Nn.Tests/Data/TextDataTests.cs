using Pare.Core.Random;
using Pare.Nn.Data;

namespace Pare.Nn.Tests.Data;

public class TextDataTests
{
    [Fact]
    public void Char_vocabulary_is_sorted_and_round_trips()
    {
        var v = new CharVocabulary("hello world");
        Assert.Equal(" dehlorw", new string(v.Chars.ToArray()));
        var ids = v.Encode("world");
        Assert.Equal("world", v.Decode(ids));
        Assert.Throws<ArgumentException>(() => v.Encode("xyz"));
    }

    [Fact]
    public void Word_vocabulary_orders_by_frequency_and_pads()
    {
        var v = new WordVocabulary(["a b b", "c b a"], minCount: 2);
        Assert.Equal(4, v.Count);
        Assert.Equal("b", v[2]);
        Assert.Equal("a", v[3]);
        Assert.Equal([2L, 1, 3, 0, 0], v.Encode("B c A", 5));
    }

    [Fact]
    public void Char_batches_are_shifted_windows()
    {
        long[] text = [.. Enumerable.Range(0, 100).Select(i => (long)i)];
        var (x, y) = CharCorpus.SampleBatch(text, 4, 8, new Rng(1));
        Assert.Equal(new Pare.Core.Shape(4, 8), x.Shape);
        for (int b = 0; b < 4; b++)
            for (int t = 0; t < 8; t++)
                Assert.Equal(x[b, t] + 1, y[b, t]);
    }

    [SharedDataFact("shared/data/tinyshakespeare/input.txt")]
    public void Tiny_shakespeare_has_65_characters()
    {
        var c = CharCorpus.Load(Paths.Resolve("shared/data/tinyshakespeare/input.txt"));
        Assert.Equal(65, c.Vocabulary.Count);
        Assert.Equal(1115394, c.Train.Length + c.Validation.Length);
    }

    [SharedDataFact("shared/data/sst2/dev.tsv")]
    public void Sst2_dev_parses()
    {
        var rows = Sst2.Load(Paths.Resolve("shared/data/sst2/dev.tsv"));
        Assert.Equal(872, rows.Count);
        Assert.All(rows, r => Assert.InRange(r.Label, 0, 1));
    }
}
