using Pare.Core;

namespace Pare.Core.Tests;

/// <summary>TensorMemory, TensorArena and TensorPool: plain allocation outside an arena; renting, reference counting
/// by backing array, keeping, giving back temporaries, and trimming the pool between runs.</summary>
public class TensorArenaTests
{
    [Fact]
    public void OutsideAnArenaArraysAreFresh()
    {
        Assert.Null(TensorMemory.Current);
        var a = TensorMemory.Zeroed<float>(16);
        var b = TensorMemory.Zeroed<float>(16);
        Assert.NotSame(a, b);
        Assert.All(a, v => Assert.Equal(0f, v));
    }

    [Fact]
    public void SmallArraysAreAlwaysFresh()
    {
        var pool = new TensorPool();
        using var arena = new TensorArena(pool);
        using var _ = TensorMemory.Use(arena);
        var small = TensorMemory.Uninitialized<float>(TensorMemory.MinRentBytes / sizeof(float) - 1);
        var large = TensorMemory.Uninitialized<float>(TensorMemory.MinRentBytes / sizeof(float));
        Assert.Equal(1, arena.Rented);
        Assert.NotEmpty(small);
        Assert.NotEmpty(large);
    }

    [Fact]
    public void ScopesNestAndRestore()
    {
        var pool = new TensorPool();
        using var outer = new TensorArena(pool);
        using (TensorMemory.Use(outer))
        {
            using (TensorMemory.Use(null)) Assert.Null(TensorMemory.Current);
            Assert.Same(outer, TensorMemory.Current);
        }
        Assert.Null(TensorMemory.Current);
    }

    [Fact]
    public void ReleasedArrayIsRentedAgainAndZeroedWhenAsked()
    {
        var pool = new TensorPool();
        using var arena = new TensorArena(pool);
        using var _ = TensorMemory.Use(arena);
        var t = Tensor.Full(new Shape(4, 80), 3f);
        arena.AddReference(t);
        arena.Release(t);
        Assert.Equal(1, pool.PooledArrays);
        Assert.Equal(320 * sizeof(float), pool.PooledBytes);
        var z = Tensor.Zeros(new Shape(320));
        Assert.Same(t.Storage.BackingArray, z.Storage.BackingArray);
        Assert.All(z.ToArray<float>(), v => Assert.Equal(0f, v));
        Assert.Equal(1, arena.Reused);
        Assert.Equal(2, arena.Rented);
    }

    [Fact]
    public void ArrayGoesBackOnlyWhenTheLastViewDies()
    {
        var pool = new TensorPool();
        using var arena = new TensorArena(pool);
        using var _ = TensorMemory.Use(arena);
        var t = Tensor.Full(new Shape(2, 600), 1f);
        var view = t.Reshape(3, 400);
        arena.AddReference(t);
        arena.AddReference(view);
        arena.Release(t);
        Assert.Equal(0, pool.PooledArrays);
        arena.Release(view);
        Assert.Equal(1, pool.PooledArrays);
    }

    [Fact]
    public void KeptAndForeignArraysNeverGoBack()
    {
        var pool = new TensorPool();
        using var arena = new TensorArena(pool);
        using var _ = TensorMemory.Use(arena);
        var kept = Tensor.Full(new Shape(800), 2f);
        arena.AddReference(kept);
        arena.Keep(kept);
        arena.Release(kept);
        var foreign = Tensor.Wrap(new float[800], new Shape(800));
        arena.AddReference(foreign);
        arena.Release(foreign);
        arena.EndOp();
        Assert.Equal(0, pool.PooledArrays);
    }

    [Fact]
    public void EndOpGivesBackTemporariesButNotOutputs()
    {
        var pool = new TensorPool();
        using var arena = new TensorArena(pool);
        using var _ = TensorMemory.Use(arena);
        var temporary = Tensor.Full(new Shape(500), 1f);
        var output = (temporary + 1f).Reshape(1, 500);
        arena.AddReference(output);
        arena.EndOp();
        Assert.Equal(1, pool.PooledArrays);
        Assert.All(output.ToArray<float>(), v => Assert.Equal(2f, v));
    }

    [Fact]
    public void PoolDropsWhatARunDidNotReuse()
    {
        var pool = new TensorPool();
        using (var first = new TensorArena(pool))
        using (TensorMemory.Use(first))
        {
            foreach (var n in new[] { 1000, 2000 })
            {
                var t = Tensor.Zeros(new Shape(n));
                first.AddReference(t);
                first.Release(t);
            }
        }
        Assert.Equal(2, pool.PooledArrays);
        using (var second = new TensorArena(pool))
        using (TensorMemory.Use(second))
        {
            var t = Tensor.Zeros(new Shape(1000));
            second.AddReference(t);
            second.Release(t);
        }
        // the 2000-element array was not taken during the second run: dropped
        Assert.Equal(1, pool.PooledArrays);
        Assert.Equal(1000 * sizeof(float), pool.PooledBytes);
    }
}
