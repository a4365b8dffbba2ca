using Pare.Nn.Export;
using Pare.Graph.Building;
using Pare.Core;
using Pare.Core.Ops;
using Pare.Core.Random;
using Pare.Nn.Modules;

namespace Pare.Nn.Presets;

/// <summary>A sentence classifier for word ids (SST-2): token + learned position embeddings, pre-norm transformer
/// blocks attending to non-pad tokens only (pad id 0), a final LayerNorm, mean-pool over the non-pad tokens and a
/// linear head. Names: <c>tok</c>, <c>pos</c>, <c>blocks.layers.{i}.…</c>, <c>ln</c>, <c>head</c>.</summary>
public sealed class TransformerClassifier : Module
{
    /// <summary>Creates the model.</summary>
    public TransformerClassifier(Rng rng, int vocab, int classes = 2, int dim = 128, int heads = 4, int layers = 2, int context = 64)
    {
        Context = context;
        Tok = Child("tok", new Embedding(vocab, dim, rng));
        Pos = Child("pos", new Embedding(context, dim, rng));
        Blocks = Child("blocks", new TransformerEncoder(layers, dim, heads, rng));
        Ln = Child("ln", new LayerNorm(dim));
        Head = Child("head", new Linear(dim, classes, rng));
    }

    /// <summary>transformer-cls with defaults (d 128, 4 heads, 2 layers, context 64) over a vocabulary.</summary>
    public static TransformerClassifier Create(Rng rng, int vocab, int classes = 2) => new(rng, vocab, classes);

    /// <summary>Longest sequence.</summary>
    public int Context { get; }

    /// <summary>Token embedding (id 0 is padding).</summary>
    public Embedding Tok { get; }

    /// <summary>Position embedding.</summary>
    public Embedding Pos { get; }

    /// <summary>The transformer blocks.</summary>
    public TransformerEncoder Blocks { get; }

    /// <summary>Final norm.</summary>
    public LayerNorm Ln { get; }

    /// <summary>Classifier head.</summary>
    public Linear Head { get; }

    /// <param name="x">word ids (B, T) int64, 0 = padding, T ≤ context</param>
    /// <returns>logits (B, classes)</returns>
    public override Tensor Forward(Tensor x)
    {
        ArgumentNullException.ThrowIfNull(x);
        if (x.Rank != 2 || x.Dim(1) > Context)
            throw new ArgumentException($"TransformerClassifier expects word ids (B, T) with T ≤ {Context}, got {x.Shape}", nameof(x));
        int b = x.Dim(0), width = x.Dim(1);
        var ids = x.To(DType.Int64).ToArray<long>();
        // Drop the columns that are padding in every row: masked keys and pooled-out positions contribute exactly
        // nothing, so the result is the same, and short SST-2 phrases (9 words on average) cost 9 positions, not 64.
        int t = 0;
        for (int r = 0; r < b; r++)
            for (int c = width - 1; c >= t; c--)
                if (ids[r * width + c] != 0) { t = c + 1; break; }
        t = Math.Max(t, 1);
        if (t < width)
        {
            x = x.Slice(1, 0, t).Contiguous();
            ids = x.To(DType.Int64).ToArray<long>();
        }
        var pad = Tensor.Wrap(ids.Select(v => v == 0).ToArray(), new Shape(b, t));
        var keep = Tensor.Wrap(ids.Select(v => v == 0 ? 0f : 1f).ToArray(), new Shape(b, t, 1));
        var positions = Tensor.FromSpan<long>(Enumerable.Range(0, t).Select(i => (long)i).ToArray());
        var h = Elementwise.Add(Tok.Forward(x), Pos.Forward(positions));
        h = Ln.Forward(Blocks.Forward(h, pad, causal: false));
        // Mean over the real tokens; an all-pad row divides by 1 (its attention rows are NaN-free only if
        // some key is unmasked, so callers should not pass all-pad rows).
        var count = Elementwise.Maximum(Reduce.Sum(keep, [1]), Tensor.Scalar(1f));
        var pooled = Elementwise.Div(Reduce.Sum(Elementwise.Mul(h, keep), [1]), count);
        return Head.Forward(pooled);
    }

    /// <inheritdoc/>
    public override string Export(GraphBuilder g, string input)
    {
        ArgumentNullException.ThrowIfNull(g);
        var t = OnnxExport.SequenceLength(g, input);
        var h = g.Add("Add", [ExportChild(g, Tok, input), ExportChild(g, Pos, t, Pos.ExportFirstRows)]);
        // word id 0 is padding: it gets no attention (additive −∞ on its key) and is left out of the mean
        var pad = g.Add("Equal", [input, g.Constant(Tensor.Wrap([0L], default), "pad_id")]);
        var additive = g.Add("Where", [pad, g.Constant(Tensor.Scalar(float.NegativeInfinity), "minus_inf"), g.Constant(Tensor.Scalar(0f), "zero_f")]);
        var mask = g.Add("Unsqueeze", [additive, g.Int64s("axes12", 1, 2)]);
        string blocks;
        using (EnterChild(g, Blocks)) blocks = Blocks.Export(g, h, mask);
        var normed = ExportChild(g, Ln, blocks);
        var keep = g.Add("Unsqueeze", [g.Add("Cast", [g.Add("Not", [pad])], OnnxExport.Attr("to", 1L)), g.Int64s("axis2", 2)]);
        var axis1 = g.Int64s("axis1", 1);
        var sum = g.Add("ReduceSum", [g.Add("Mul", [normed, keep]), axis1], OnnxExport.Attr("keepdims", 0L));
        var count = g.Add("Max", [g.Add("ReduceSum", [keep, axis1], OnnxExport.Attr("keepdims", 0L)), g.Constant(Tensor.Scalar(1f), "one_f")]);
        return ExportChild(g, Head, g.Add("Div", [sum, count]));
    }
}
