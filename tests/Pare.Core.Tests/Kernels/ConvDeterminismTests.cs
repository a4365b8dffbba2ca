using Pare.Core.Kernels.Conv;
using Pare.Core.Tests.Support;
using Pare.Core.Threading;

namespace Pare.Core.Tests.Kernels;

/// <summary>The chunked im2col convolution gives bit-identical forward and gradients for any thread count.</summary>
[Collection(nameof(ThreadCountSerial))]
public class ConvDeterminismTests
{
    // several images per chunk and a last partial chunk; a transposed weight gradient; a single-chunk batch; a large image cut into row bands
    private static readonly ConvGeometry[] Geometries =
    [
        new(37, 6, 9, 9, 10, 3, 3, PadTop: 1, PadLeft: 1, PadBottom: 1, PadRight: 1),
        new(9, 1, 14, 14, 24, 3, 3, PadTop: 1, PadLeft: 1, PadBottom: 1, PadRight: 1),
        new(1, 8, 40, 40, 16, 3, 3, PadTop: 1, PadLeft: 1, PadBottom: 1, PadRight: 1),
        new(2, 3, 50, 50, 8, 3, 3, PadTop: 1, PadLeft: 1, PadBottom: 1, PadRight: 1),
    ];

    private static float[] RunAll()
    {
        var results = new List<float>();
        foreach (var g in Geometries)
        {
            var x = KernelCases.Values(g.N * g.InChannels * g.InHeight * g.InWidth, 1).ToArray();
            var w = KernelCases.Values(g.WeightCount, 2).ToArray();
            var dy = KernelCases.Values(g.N * g.OutChannels * g.OutHeight * g.OutWidth, 3).ToArray();
            var y = new float[dy.Length];
            var dx = new float[x.Length];
            var dw = new float[w.Length];
            Conv2dKernel.Forward(g, x, w, default, y);
            Conv2dKernel.BackwardInput(g, dy, w, dx);
            Conv2dKernel.BackwardWeight(g, x, dy, dw);
            results.AddRange(y);
            results.AddRange(dx);
            results.AddRange(dw);
        }
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
            foreach (int threads in new[] { 2, 3 })
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
