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
    public void Many_back_to_back_loops_never_return_before_every_iteration_finished()
    {
        // An early return (the caller released while a joined worker still runs an iteration) shows up as a
        // missing increment, because the check reads the counter right after For returns.
        using var pool = new WorkerPool(2);
        var counter = new int[1];
        // Iteration 1 is slow: when a worker takes it, the caller runs out of iterations first.
        for (int round = 0; round < 5_000; round++)
        {
            counter[0] = 0;
            pool.For(2, i =>
            {
                Thread.SpinWait(i == 1 ? 4000 : 400);
                Interlocked.Increment(ref counter[0]);
            });
            Assert.Equal(2, Volatile.Read(ref counter[0]));
        }
    }

    [Fact]
    public void A_busy_machine_does_not_stall_the_caller_on_an_unscheduled_worker()
    {
        // Four pools of two on a two-core machine: most workers cannot be running when their caller starts a
        // loop; the callers must still make progress and count correctly.
        var pools = Enumerable.Range(0, 4).Select(_ => new WorkerPool(2)).ToArray();
        try
        {
            Parallel.For(0, 4, p =>
            {
                for (int round = 0; round < 2000; round++)
                {
                    int n = 0;
                    pools[p].For(5, _ => Interlocked.Increment(ref n));
                    Assert.Equal(5, n);
                }
            });
        }
        finally
        {
            foreach (var pool in pools) pool.Dispose();
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
