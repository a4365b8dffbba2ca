// gpt-char rows, defined as in ../shared/peers/torch_bench.py: batch 32 of 128 tokens; a training step is forward,
// cross-entropy over every position, backward and an SGD (momentum 0.9, lr 0.01) update; inference is a forward
// pass in eval mode without recording. The gpt_piece_* rows split the step to show where the time goes.
using Pare.Core;
using Pare.Core.Autograd;
using Pare.Core.Ops;
using Pare.Core.Random;
using Pare.Nn.Losses;
using Pare.Nn.Modules;
using Pare.Nn.Optim;
using Pare.Nn.Presets;

namespace Pare.Bench;

/// <summary>gpt-char training step and inference, plus the pieces of a step.</summary>
public sealed class GptSuite : IBenchSuite
{
    private const int B = 32, T = 128, Vocab = 65, D = 128;

    /// <inheritdoc/>
    public IEnumerable<BenchCase> Cases()
    {
        yield return new BenchCase("train_gpt_b32_t128", () =>
        {
            var (m, x, y) = Setup();
            var opt = new Sgd(m.NamedParameters().ToList(), 0.01f, momentum: 0.9f);
            return () =>
            {
                opt.ZeroGrad();
                Loss.CrossEntropy(m.Forward(x).Reshape(-1, Vocab), y).Backward();
                opt.Step();
            };
        });
        yield return new BenchCase("infer_gpt_b32_t128", () =>
        {
            var (m, x, _) = Setup();
            m.Eval();
            return () =>
            {
                using var _ = Tape.NoGrad();
                m.Forward(x);
            };
        });
        yield return new BenchCase("gpt_piece_forward_recorded_b32_t128", () =>
        {
            var (m, x, y) = Setup();
            return () => Loss.CrossEntropy(m.Forward(x).Reshape(-1, Vocab), y);
        });
        yield return new BenchCase("gpt_piece_sgd_step", () =>
        {
            var (m, x, y) = Setup();
            var opt = new Sgd(m.NamedParameters().ToList(), 0.01f, momentum: 0.9f);
            Loss.CrossEntropy(m.Forward(x).Reshape(-1, Vocab), y).Backward();
            return opt.Step;
        });
        yield return Piece("gpt_piece_block_forward_b32_t128", new TransformerBlock(D, 4, new Rng(1)), (blk, h) => blk.Forward(h, null, true));
        yield return Piece("gpt_piece_attention_forward_b32_t128", new MultiHeadAttention(D, 4, new Rng(1)), (a, h) => a.Forward(h, null, true));
        yield return Piece("gpt_piece_ffn_forward_b32_t128", new TransformerBlock(D, 4, new Rng(1)),
            (blk, h) => blk.Linear2.Forward(Elementwise.Gelu(blk.Linear1.Forward(h))));
        yield return Piece("gpt_piece_layernorm_forward_b32_t128", new LayerNorm(D), (ln, h) => ln.Forward(h));
        yield return Raw("gpt_piece_scores_matmul_b32_h4_t128", () =>
        {
            var q = Tensor.Normal([B, 4, T, D / 4], 0, 1, new Rng(4));
            var k = Tensor.Normal([B, 4, T, D / 4], 0, 1, new Rng(5)).Transpose(2, 3);
            return () => Linalg.MatMul(q, k);
        });
        yield return Raw("gpt_piece_mask_add_softmax_b32_h4_t128", () =>
        {
            var s = Tensor.Normal([B, 4, T, T], 0, 1, new Rng(6));
            var mask = Elementwise.Mul(Tensor.Ones([1, 1, T, T]), 0f);
            return () => SoftmaxOps.Softmax(Elementwise.Add(s, mask), -1);
        });
        yield return Raw("gpt_piece_softmax_b32_h4_t128", () =>
        {
            var s = Tensor.Normal([B, 4, T, T], 0, 1, new Rng(6));
            return () => SoftmaxOps.Softmax(s, -1);
        });
        yield return Raw("gpt_piece_gelu_b32_t128_d512", () =>
        {
            var h = Tensor.Normal([B, T, 4 * D], 0, 1, new Rng(7));
            return () => Elementwise.Gelu(h);
        });
        yield return Raw("gpt_piece_head_split_b32_t128", () =>
        {
            var qkv = Tensor.Normal([B, T, 3 * D], 0, 1, new Rng(8));
            return () => qkv.Slice(2, 0, D).Reshape(B, T, 4, D / 4).Permute(0, 2, 1, 3).Contiguous();
        });
        yield return new BenchCase("gpt_piece_block_backward_b32_t128", () =>
        {
            var blk = new TransformerBlock(D, 4, new Rng(1));
            var h = Tensor.Normal([B, T, D], 0, 1, new Rng(2));
            h.RequiresGrad = true;
            var g = Tensor.Normal([B, T, D], 0, 1, new Rng(3));
            return () => blk.Forward(h, null, true).Backward(g);
        });
    }

    private static BenchCase Raw(string name, Func<Func<Tensor>> setup) => new(name, () =>
    {
        var f = setup();
        return () =>
        {
            using var _ = Tape.NoGrad();
            f();
        };
    });

    private static BenchCase Piece<TM>(string name, TM module, Func<TM, Tensor, Tensor> f) where TM : Module => new(name, () =>
    {
        var h = Tensor.Normal([B, T, D], 0, 1, new Rng(2));
        return () =>
        {
            using var _ = Tape.NoGrad();
            f(module, h);
        };
    });

    private static (GptChar Model, Tensor X, Tensor Y) Setup()
    {
        var rng = new Rng(0);
        var m = GptChar.Create(rng);
        var x = Tensor.FromSpan<long>(Enumerable.Range(0, B * T).Select(_ => (long)rng.NextInt(Vocab)).ToArray(), [B, T]);
        var y = Tensor.FromSpan<long>(Enumerable.Range(0, B * T).Select(_ => (long)rng.NextInt(Vocab)).ToArray(), [B * T]);
        return (m, x, y);
    }
}
