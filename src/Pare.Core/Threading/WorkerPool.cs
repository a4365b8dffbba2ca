namespace Pare.Core.Threading;

/// <summary>A fixed set of worker threads that run the iterations of a parallel loop together with the calling
/// thread. Kernels split work into chunks whose boundaries do not depend on which thread runs them, so results
/// are identical for every thread count. A loop started from inside a worker, or while another thread owns the
/// pool, runs serially on the caller instead of waiting.</summary>
/// <remarks>Iterations are handed out one at a time from a shared counter, so a thread that is slow (or not
/// scheduled at all on a busy machine) simply takes fewer of them. Workers must <em>join</em> a loop before
/// taking iterations; once the caller has run out of iterations it closes the loop and waits only for the
/// workers that joined — never for one that has not woken up yet.</remarks>
public sealed class WorkerPool : IDisposable
{
    // Workers spin this many rounds for the next loop before sleeping: kernels are often called back to back
    // (a GEMM per layer), and waking a sleeping thread costs tens of microseconds.
    private const int SpinRounds = 4000;

    // _state packs the loop generation (high 32 bits), a closed flag (bit 16) and the joined-worker count (low 16).
    private const long ClosedBit = 1L << 16;
    private const long CountMask = ClosedBit - 1;

    [ThreadStatic] private static bool _isWorker;

    private readonly Thread[] _workers;
    private readonly object _gate = new();
    private readonly object _sleep = new();
    private Action<int>? _body;
    private int _count;
    private int _next;
    private int _finished;
    private long _state;
    private Exception? _error;
    private volatile bool _disposed;

    /// <summary>Creates a pool that runs loops on <paramref name="threadCount"/> threads (the caller included).</summary>
    public WorkerPool(int threadCount)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(threadCount, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(threadCount, 1024);
        ThreadCount = threadCount;
        _workers = new Thread[threadCount - 1];
        for (int i = 0; i < _workers.Length; i++)
        {
            _workers[i] = new Thread(WorkerLoop) { IsBackground = true, Name = $"pare-worker-{i + 1}" };
            _workers[i].Start();
        }
    }

    /// <summary>Threads that run a loop, the caller included.</summary>
    public int ThreadCount { get; }

    /// <summary>Runs <paramref name="body"/>(i) once for every i in [0, <paramref name="count"/>), in any order and
    /// on any thread of the pool; returns when all have finished. The first exception thrown is rethrown.</summary>
    public void For(int count, Action<int> body)
    {
        ArgumentNullException.ThrowIfNull(body);
        if (count <= 0) return;
        if (count == 1 || _workers.Length == 0 || _isWorker || !Monitor.TryEnter(_gate))
        {
            for (int i = 0; i < count; i++) body(i);
            return;
        }
        try
        {
            _body = body;
            _count = count;
            _next = 0;
            _finished = 0;
            _error = null;
            long generation = (Volatile.Read(ref _state) >> 32) + 1;
            Volatile.Write(ref _state, generation << 32); // open, nobody joined yet
            lock (_sleep) Monitor.PulseAll(_sleep);

            _isWorker = true;
            try { RunIterations(); }
            finally { _isWorker = false; }

            long closed = Interlocked.Or(ref _state, ClosedBit);
            int joined = (int)(closed & CountMask);
            // Joined workers are running iterations right now, so this wait is short; yielding (never sleeping)
            // lets a worker that shares this core finish. There is no event to signal: a late signal from an
            // earlier loop could otherwise release a later one early.
            var spin = new SpinWait();
            while (Volatile.Read(ref _finished) != joined) spin.SpinOnce(sleep1Threshold: -1);
            if (_error is not null) throw new AggregateException("a parallel loop iteration failed", _error);
        }
        finally
        {
            _body = null;
            Monitor.Exit(_gate);
        }
    }

    private void RunIterations()
    {
        var body = _body!;
        int count = _count;
        while (true)
        {
            int i = Interlocked.Increment(ref _next) - 1;
            if (i >= count) return;
            try
            {
                body(i);
            }
            catch (Exception e)
            {
                Interlocked.CompareExchange(ref _error, e, null);
                Volatile.Write(ref _next, count);
            }
        }
    }

    // Joins the open loop of the given generation; false when the loop has closed or moved on.
    private bool TryJoin(long generation)
    {
        while (true)
        {
            long s = Volatile.Read(ref _state);
            if (s >> 32 != generation || (s & ClosedBit) != 0) return false;
            if (Interlocked.CompareExchange(ref _state, s + 1, s) == s) return true;
        }
    }

    private void WorkerLoop()
    {
        _isWorker = true;
        long seen = 0;
        while (true)
        {
            int spins = 0;
            while (Volatile.Read(ref _state) >> 32 == seen && !_disposed)
            {
                if (spins++ < SpinRounds)
                {
                    Thread.SpinWait(20);
                    continue;
                }
                lock (_sleep)
                {
                    while (Volatile.Read(ref _state) >> 32 == seen && !_disposed) Monitor.Wait(_sleep);
                }
            }
            if (_disposed) return;
            seen = Volatile.Read(ref _state) >> 32;
            if (!TryJoin(seen)) continue;
            RunIterations();
            Interlocked.Increment(ref _finished);
        }
    }

    /// <summary>Stops the workers.</summary>
    public void Dispose()
    {
        _disposed = true;
        lock (_sleep) Monitor.PulseAll(_sleep);
    }
}
