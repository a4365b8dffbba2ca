using Pare.Core.Threading;

namespace Pare.Core.Tests.Threading;

public class WorkerPoolTests
{
    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(4)]
    public void Every_iteration_runs_exactly_once(int threads)
    {
        using var pool = new WorkerPool(threads);
        for (int round = 0; round < 50; round++)
        {
            var hits = new int[257];
            pool.For(hits.Length, i => Interlocked.Increment(ref hits[i]));
            Assert.All(hits, h => Assert.Equal(1, h));
        }
    }

    [Fact]
    public void Nested_loops_run_serially_instead_of_deadlocking()
    {
        using var pool = new WorkerPool(2);
        int total = 0;
        pool.For(8, _ => pool.For(8, _ => Interlocked.Increment(ref total)));
        Assert.Equal(64, total);
    }

    [Fact]
    public void An_exception_in_an_iteration_reaches_the_caller()
    {
        using var pool = new WorkerPool(2);
        var e = Assert.Throws<AggregateException>(() => pool.For(100, i => { if (i == 37) throw new InvalidOperationException("boom"); }));
        Assert.IsType<InvalidOperationException>(e.InnerException);
        int ran = 0;
        pool.For(10, _ => Interlocked.Increment(ref ran));
        Assert.Equal(10, ran);
    }
}
