using Pare.Core.Kernels.Norm;
using Pare.Core.Kernels.Reduce;
using Pare.Core.Tests.Support;
using Pare.Core.Threading;

namespace Pare.Core.Tests.Kernels;

/// <summary>Changes the process-wide thread count, so it must not run beside other tests.</summary>
[CollectionDefinition(nameof(ThreadCountSerial), DisableParallelization = true)]
public sealed class ThreadCountSerial;

[Collection(nameof(ThreadCountSerial))]
public class ReduceDeterminismTests
{
    // Every parallel path at a size past its threshold; the results are concatenated for comparison.
    private static float[] RunAll()
    {
        var results = new List<float>();
        int n = Reduction.RowBlock * 3 + 17;
        var x = KernelCases.Values(n, 1).ToArray();
        var one = new float[1];
        Reduction.Reduce(ReduceKind.Sum, x, 1, n, 1, one);
        results.Add(one[0]);
        var rows = new float[300];
        Reduction.Reduce(ReduceKind.Sum, x.AsSpan(0, 300 * 130), 300, 130, 1, rows);
        results.AddRange(rows);
        var cols = new float[3 * 300];
        Reduction.Reduce(ReduceKind.Sum, x.AsSpan(0, 3 * 40 * 300), 3, 40, 300, cols);
        results.AddRange(cols);
        float[] mean = new float[300], variance = new float[300];
        Moments.Variance(x.AsSpan(0, 300 * 130), 300, 130, 1, 1, mean, variance);
        results.AddRange(variance);
        var soft = new float[8 * 30 * 300];
        SoftmaxKernel.Forward(x.AsSpan(0, soft.Length), 8, 30, 300, false, soft);
        results.AddRange(soft);
        float[] xhat = new float[700 * 100], m = new float[700], v = new float[700], r = new float[700];
        RowNorm.Forward(x.AsSpan(0, xhat.Length), 700, 100, 1e-5f, xhat, m, v, r);
        results.AddRange(xhat);
        float[] cm = new float[30], cv = new float[30], affine = new float[8 * 30 * 300];
        ChannelNorm.Moments(x.AsSpan(0, affine.Length), 8, 30, 300, cm, cv);
        results.AddRange(cm);
        results.AddRange(cv);
        ChannelAffine.Apply(x.AsSpan(0, affine.Length), cv, cm, 8, 30, 300, affine);
        results.AddRange(affine);
        return [.. results];
    }

    [Fact]
    public void Results_are_bit_identical_for_any_thread_count()
    {
        int saved = Parallelism.ThreadCount;
        try
        {
            Parallelism.SetThreadCount(1);
            var expected = RunAll();
            foreach (int threads in new[] { 2, 3, 5 })
            {
                Parallelism.SetThreadCount(threads);
                var actual = RunAll();
                for (int i = 0; i < expected.Length; i++)
                    Assert.True(BitConverter.SingleToInt32Bits(expected[i]) == BitConverter.SingleToInt32Bits(actual[i]),
                        $"threads={threads} element {i}: {actual[i]} vs {expected[i]} with one thread");
            }
        }
        finally
        {
            Parallelism.SetThreadCount(saved);
        }
    }
}
