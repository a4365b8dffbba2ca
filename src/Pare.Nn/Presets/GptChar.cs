using Pare.Nn.Export;
using Pare.Graph.Building;
using Pare.Core;
using Pare.Core.Ops;
using Pare.Core.Random;
using Pare.Nn.Modules;

namespace Pare.Nn.Presets;

/// <summary>The character-level decoder of the peer benchmark (TinyGpt in torch_bench.py): token + learned position
/// embeddings, pre-norm causal transformer blocks, final LayerNorm and a linear head. Names match PyTorch's
/// (<c>tok</c>, <c>pos</c>, <c>blocks.layers.{i}.…</c>, <c>ln</c>, <c>head</c>) so its state dict loads.</summary>
public sealed class GptChar : Module
{
    /// <summary>Creates the model.</summary>
    public GptChar(Rng rng, int vocab = 65, int dim = 128, int heads = 4, int layers = 4, int context = 128)
    {
        Vocab = vocab;
        Context = context;
        Tok = Child("tok", new Embedding(vocab, dim, rng));
        Pos = Child("pos", new Embedding(context, dim, rng));
        Blocks = Child("blocks", new TransformerEncoder(layers, dim, heads, rng));
        Ln = Child("ln", new LayerNorm(dim));
        Head = Child("head", new Linear(dim, vocab, rng));
    }

    /// <summary>gpt-char with the benchmark's configuration (vocab 65, d 128, 4 heads, 4 layers, context 128).</summary>
    public static GptChar Create(Rng rng) => new(rng);

    /// <summary>Vocabulary size.</summary>
    public int Vocab { get; }

    /// <summary>Longest sequence (number of positions).</summary>
    public int Context { get; }

    /// <summary>Token embedding.</summary>
    public Embedding Tok { get; }

    /// <summary>Position embedding.</summary>
    public Embedding Pos { get; }

    /// <summary>The transformer blocks.</summary>
    public TransformerEncoder Blocks { get; }

    /// <summary>Final norm.</summary>
    public LayerNorm Ln { get; }

    /// <summary>Output head.</summary>
    public Linear Head { get; }

    /// <param name="x">token ids (B, T) int64, T ≤ context</param>
    /// <returns>logits (B, T, vocab)</returns>
    public override Tensor Forward(Tensor x)
    {
        ArgumentNullException.ThrowIfNull(x);
        if (x.Rank != 2 || x.Dim(1) > Context)
            throw new ArgumentException($"GptChar expects token ids (B, T) with T ≤ {Context}, got {x.Shape}", nameof(x));
        var positions = Tensor.FromSpan<long>(Enumerable.Range(0, x.Dim(1)).Select(i => (long)i).ToArray());
        var h = Elementwise.Add(Tok.Forward(x), Pos.Forward(positions));
        return Head.Forward(Ln.Forward(Blocks.Forward(h, null, causal: true)));
    }

    /// <inheritdoc/>
    public override string Export(GraphBuilder g, string input)
    {
        ArgumentNullException.ThrowIfNull(g);
        var t = OnnxExport.SequenceLength(g, input);
        var h = g.Add("Add", [ExportChild(g, Tok, input), ExportChild(g, Pos, t, Pos.ExportFirstRows)]);
        // causal mask: −∞ above the diagonal of the (context, context) table, cut to (T, T)
        var causal = new float[Context * Context];
        for (var i = 0; i < Context; i++)
            for (var j = i + 1; j < Context; j++) causal[i * Context + j] = float.NegativeInfinity;
        var mask = g.Add("Slice", [g.Constant(Tensor.Wrap(causal, new Shape(Context, Context)), "causal_mask"),
            g.Int64s("zeros2", 0, 0), g.Add("Concat", [t, t], OnnxExport.Attr("axis", 0L)), g.Int64s("axes01", 0, 1)]);
        string blocks;
        using (EnterChild(g, Blocks)) blocks = Blocks.Export(g, h, mask);
        return ExportChild(g, Head, ExportChild(g, Ln, blocks));
    }
}
