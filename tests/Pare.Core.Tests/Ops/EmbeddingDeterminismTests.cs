using Pare.Core.Kernels.Indexing;
using Pare.Core.Ops;
using Pare.Core.Random;
using Pare.Core.Threading;

namespace Pare.Core.Tests.Ops;

/// <summary>Tests that change the process-wide thread count run alone, so no other test's loop sees its pool replaced.</summary>
[CollectionDefinition(nameof(ThreadCountChanges), DisableParallelization = true)]
public sealed class ThreadCountChanges;

/// <summary>The embedding backward sums repeated rows in index order whatever the thread count.</summary>
[Collection(nameof(ThreadCountChanges))]
public class EmbeddingDeterminismTests
{
    [Fact]
    public void Embedding_backward_is_bit_identical_for_any_thread_count()
    {
        // 400 lookups of 1100-wide rows (above the parallel threshold, three column blocks, the last one partial),
        // into only 7 rows so that every row accumulates dozens of gradients.
        var rng = new Rng(11);
        var indices = Tensor.FromSpan<long>(Enumerable.Range(0, 400).Select(_ => (long)(rng.NextFloat() * 7)).ToArray(), new Shape(20, 20));
        var dOut = Tensor.Uniform(new Shape(20, 20, 1100), -1f, 1f, rng);
        int saved = Parallelism.ThreadCount;
        try
        {
            var results = new List<float[]>();
            foreach (int threads in new[] { 1, 2, 3 })
            {
                Parallelism.SetThreadCount(threads);
                var weight = Tensor.Zeros(new Shape(7, 1100));
                weight.RequiresGrad = true;
                Indexing.Embedding(indices, weight).Backward(dOut);
                results.Add(weight.Grad!.ToArray<float>());
            }
            var reference = new float[7 * 1100];
            RowGather.BackwardReference(dOut.AsSpan<float>(), 1, 7, 1100, indices.ToArray<long>().Select(i => (int)i).ToArray(), reference);
            foreach (var r in results)
                Assert.True(r.AsSpan().SequenceEqual(reference), "embedding gradient differs from the in-order scalar sum");
        }
        finally
        {
            Parallelism.SetThreadCount(saved);
        }
    }
}
