namespace Pare.Core.Threading;

/// <summary>A fixed set of worker threads that run the iterations of a parallel loop together with the calling
/// thread. Kernels split work into chunks whose boundaries do not depend on which thread runs them, so results
/// are identical for every thread count. A loop started from inside a worker, or while another thread owns the
/// pool, runs serially on the caller instead of waiting.</summary>
public sealed class WorkerPool : IDisposable
{
    // Workers spin this many rounds for the next loop before sleeping: kernels are often called back to back
    // (a GEMM per layer), and waking a sleeping thread costs tens of microseconds.
    private const int SpinRounds = 4000;

    [ThreadStatic] private static bool _isWorker;

    private readonly Thread[] _workers;
    private readonly object _gate = new();
    private readonly object _sleep = new();
    private readonly ManualResetEventSlim _done = new(false, spinCount: 1000);
    private Action<int>? _body;
    private int _count;
    private int _next;
    private int _active;
    private long _generation;
    private Exception? _error;
    private volatile bool _disposed;

    /// <summary>Creates a pool that runs loops on <paramref name="threadCount"/> threads (the caller included).</summary>
    public WorkerPool(int threadCount)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(threadCount, 1);
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
            _error = null;
            _active = _workers.Length;
            _done.Reset();
            Interlocked.Increment(ref _generation);
            lock (_sleep) Monitor.PulseAll(_sleep);
            _isWorker = true;
            try { RunIterations(); }
            finally { _isWorker = false; }
            _done.Wait();
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
        while (true)
        {
            int i = Interlocked.Increment(ref _next) - 1;
            if (i >= _count) return;
            try
            {
                body(i);
            }
            catch (Exception e)
            {
                Interlocked.CompareExchange(ref _error, e, null);
                Volatile.Write(ref _next, _count);
            }
        }
    }

    private void WorkerLoop()
    {
        _isWorker = true;
        long seen = 0;
        while (true)
        {
            int spins = 0;
            while (Volatile.Read(ref _generation) == seen && !_disposed)
            {
                if (spins++ < SpinRounds)
                {
                    Thread.SpinWait(20);
                    continue;
                }
                lock (_sleep)
                {
                    while (Volatile.Read(ref _generation) == seen && !_disposed) Monitor.Wait(_sleep);
                }
            }
            if (_disposed) return;
            seen = Volatile.Read(ref _generation);
            RunIterations();
            if (Interlocked.Decrement(ref _active) == 0) _done.Set();
        }
    }

    /// <summary>Stops the workers.</summary>
    public void Dispose()
    {
        _disposed = true;
        lock (_sleep) Monitor.PulseAll(_sleep);
        _done.Dispose();
    }
}
