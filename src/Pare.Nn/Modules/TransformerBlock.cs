using Pare.Nn.Export;
using Pare.Graph.Building;
using Pare.Core;
using Pare.Core.Ops;
using Pare.Core.Random;

namespace Pare.Nn.Modules;

/// <summary>A pre-norm transformer encoder layer, as PyTorch's nn.TransformerEncoderLayer(d, heads, ffn,
/// dropout=0, activation="gelu", batch_first=True, norm_first=True) with the same submodule names:
/// x += self_attn(norm1(x)); x += linear2(gelu(linear1(norm2(x)))).</summary>
public sealed class TransformerBlock : Module
{
    /// <summary>Creates the layer; <paramref name="ffn"/> defaults to 4·<paramref name="dim"/>.</summary>
    public TransformerBlock(int dim, int heads, Rng rng, int ffn = 0)
    {
        ArgumentNullException.ThrowIfNull(rng);
        if (ffn == 0) ffn = 4 * dim;
        // Registration order is PyTorch's, so that both draw the same kind of init in the same order.
        SelfAttn = Child(nameof(SelfAttn), new MultiHeadAttention(dim, heads, rng));
        Linear1 = Child("linear1", new Linear(dim, ffn, rng));
        Linear2 = Child("linear2", new Linear(ffn, dim, rng));
        Norm1 = Child("norm1", new LayerNorm(dim));
        Norm2 = Child("norm2", new LayerNorm(dim));
    }

    /// <summary>Self-attention.</summary>
    public MultiHeadAttention SelfAttn { get; }

    /// <summary>Feed-forward up-projection (D → ffn).</summary>
    public Linear Linear1 { get; }

    /// <summary>Feed-forward down-projection (ffn → D).</summary>
    public Linear Linear2 { get; }

    /// <summary>Norm before attention.</summary>
    public LayerNorm Norm1 { get; }

    /// <summary>Norm before the feed-forward.</summary>
    public LayerNorm Norm2 { get; }

    /// <param name="x">(B, T, D)</param>
    /// <returns>(B, T, D)</returns>
    public override Tensor Forward(Tensor x) => Forward(x, null, false);

    /// <param name="x">(B, T, D)</param>
    /// <param name="keyPaddingMask">(B, T) bool, true = padding; or null</param>
    /// <param name="causal">whether attention is causal</param>
    /// <returns>(B, T, D)</returns>
    public Tensor Forward(Tensor x, Tensor? keyPaddingMask, bool causal)
    {
        ArgumentNullException.ThrowIfNull(x);
        x = Elementwise.Add(x, SelfAttn.Forward(Norm1.Forward(x), keyPaddingMask, causal));
        return Elementwise.Add(x, Linear2.Forward(Elementwise.Gelu(Linear1.Forward(Norm2.Forward(x)))));
    }

    /// <inheritdoc/>
    public override string Export(GraphBuilder g, string input) => Export(g, input, null);

    /// <summary>Exports the block with an optional additive attention mask (see <see cref="MultiHeadAttention"/>).</summary>
    public string Export(GraphBuilder g, string input, string? additiveMask)
    {
        ArgumentNullException.ThrowIfNull(g);
        var normed = ExportChild(g, Norm1, input);
        string attended;
        using (EnterChild(g, SelfAttn)) attended = SelfAttn.Export(g, normed, additiveMask);
        var x = g.Add("Add", [input, attended]);
        var hidden = ExportChild(g, Linear1, ExportChild(g, Norm2, x));
        string gelu;
        using (g.Enter("gelu")) gelu = OnnxExport.Gelu(g, hidden);
        return g.Add("Add", [x, ExportChild(g, Linear2, gelu)]);
    }
}
