using Pare.Core;
using Pare.Core.Random;
using Pare.Nn.Data;

namespace Pare.Nn.Tests.Data;

public class BatchesTests
{
    [Fact]
    public void Shuffled_batches_cover_every_index_once_and_are_seeded()
    {
        var a = Batches.Indices(10, 3, new Rng(5)).ToList();
        var b = Batches.Indices(10, 3, new Rng(5)).ToList();
        Assert.Equal([3, 3, 3, 1], a.Select(x => x.Length));
        Assert.Equal(Enumerable.Range(0, 10), a.SelectMany(x => x).Order());
        Assert.Equal(a.SelectMany(x => x), b.SelectMany(x => x));
        Assert.Equal(3, Batches.Indices(10, 3, null, dropLast: true).Count());
    }

    [Fact]
    public void Gather_rows_copies_whole_samples()
    {
        var x = Tensor.Wrap(Enumerable.Range(0, 12).Select(i => (float)i).ToArray(), [3, 2, 2]);
        var g = Batches.GatherRows(x, [2, 0]);
        Assert.Equal([8f, 9, 10, 11, 0, 1, 2, 3], g.ToArray<float>());
        Assert.Throws<ArgumentOutOfRangeException>(() => Batches.GatherRows(x, [3]));
    }

    [Fact]
    public void Flip_mirrors_rows_and_crop_keeps_shape()
    {
        var x = Tensor.Wrap(Enumerable.Range(0, 2 * 1 * 2 * 3).Select(i => (float)i).ToArray(), [2, 1, 2, 3]);
        var before = x.ToArray<float>();
        ImageAugment.RandomHorizontalFlip(x, new Rng(0));
        var after = x.ToArray<float>();
        for (int i = 0; i < 2; i++)
        {
            var img = after.AsSpan(i * 6, 6).ToArray();
            var orig = before.AsSpan(i * 6, 6).ToArray();
            bool same = img.SequenceEqual(orig);
            bool flipped = img.SequenceEqual([orig[2], orig[1], orig[0], orig[5], orig[4], orig[3]]);
            Assert.True(same || flipped);
        }
        var y = Tensor.Ones([4, 3, 8, 8]);
        ImageAugment.RandomCrop(y, 2, new Rng(1));
        var v = y.ToArray<float>();
        Assert.All(v, f => Assert.True(f is 0f or 1f));
        Assert.Contains(0f, v);
    }
}
