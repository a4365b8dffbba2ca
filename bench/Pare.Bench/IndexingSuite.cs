using Pare.Core;
using Pare.Core.Kernels.Indexing;
using Pare.Core.Ops;
using Pare.Core.Random;

namespace Pare.Bench;

/// <summary>Embedding lookup and its backward (block copies / vector adds vs the element-by-element twins), and
/// concat, at a language-model-like size: 4096 tokens into a 32000 × 512 table.</summary>
public sealed class IndexingSuite : IBenchSuite
{
    private const int Vocab = 32000, Dim = 512, Tokens = 4096;

    /// <inheritdoc/>
    public IEnumerable<BenchCase> Cases()
    {
        yield return new BenchCase("embedding_fwd_4096x512", () =>
        {
            var (weight, index, _) = Inputs();
            var dst = new float[Tokens * Dim];
            return () => RowGather.Forward<float>(weight, 1, Vocab, Dim, index, dst);
        });
        yield return new BenchCase("embedding_fwd_4096x512_scalar", () =>
        {
            var (weight, index, _) = Inputs();
            var dst = new float[Tokens * Dim];
            return () => RowGather.ForwardReference<float>(weight, 1, Vocab, Dim, index, dst);
        });
        yield return new BenchCase("embedding_bwd_4096x512", () =>
        {
            var (_, index, dOut) = Inputs();
            var dW = new float[Vocab * Dim];
            return () => RowGather.Backward(dOut, 1, Vocab, Dim, index, dW);
        });
        yield return new BenchCase("embedding_bwd_4096x512_scalar", () =>
        {
            var (_, index, dOut) = Inputs();
            var dW = new float[Vocab * Dim];
            return () => RowGather.BackwardReference(dOut, 1, Vocab, Dim, index, dW);
        });
        yield return new BenchCase("concat_3x(16,256,32,32)_axis1", () =>
        {
            var rng = new Rng(3);
            Tensor[] parts = [.. Enumerable.Range(0, 3).Select(_ => Tensor.Uniform(new Shape(16, 256, 32, 32), -1f, 1f, rng))];
            return () => Assembly.Concat(parts, 1);
        });
    }

    private static (float[] Weight, int[] Index, float[] DOut) Inputs()
    {
        var rng = new Rng(1);
        var weight = new float[Vocab * Dim];
        for (int i = 0; i < weight.Length; i++) weight[i] = rng.NextFloat();
        var index = Enumerable.Range(0, Tokens).Select(_ => (int)(rng.NextFloat() * (Vocab - 1))).ToArray();
        var dOut = new float[Tokens * Dim];
        for (int i = 0; i < dOut.Length; i++) dOut[i] = rng.NextFloat();
        return (weight, index, dOut);
    }
}
