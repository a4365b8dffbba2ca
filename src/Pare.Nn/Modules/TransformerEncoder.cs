using Pare.Nn.Export;
using Pare.Graph.Building;
using Pare.Core;
using Pare.Core.Random;

namespace Pare.Nn.Modules;

/// <summary>A stack of <see cref="TransformerBlock"/>s named <c>layers.{i}</c> like PyTorch's
/// nn.TransformerEncoder (without its optional final norm).</summary>
public sealed class TransformerEncoder : Module
{
    /// <summary>Creates <paramref name="count"/> blocks.</summary>
    public TransformerEncoder(int count, int dim, int heads, Rng rng, int ffn = 0)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(count, 1);
        Blocks = Enumerable.Range(0, count).Select(_ => new TransformerBlock(dim, heads, rng, ffn)).ToArray();
        // A Sequential only as a named container: the blocks are run here, with the masks.
        Child("layers", new Sequential([.. Blocks]));
    }

    /// <summary>The blocks in order.</summary>
    public IReadOnlyList<TransformerBlock> Blocks { get; }

    /// <param name="x">(B, T, D)</param>
    public override Tensor Forward(Tensor x) => Forward(x, null, false);

    /// <param name="x">(B, T, D)</param>
    /// <param name="keyPaddingMask">(B, T) bool, true = padding; or null</param>
    /// <param name="causal">whether attention is causal</param>
    /// <returns>(B, T, D)</returns>
    public Tensor Forward(Tensor x, Tensor? keyPaddingMask, bool causal)
    {
        foreach (var block in Blocks) x = block.Forward(x, keyPaddingMask, causal);
        return x;
    }

    /// <inheritdoc/>
    public override string Export(GraphBuilder g, string input) => Export(g, input, null);

    /// <summary>Exports every block with the same optional additive attention mask.</summary>
    public string Export(GraphBuilder g, string input, string? additiveMask)
    {
        ArgumentNullException.ThrowIfNull(g);
        using var layers = g.Enter("layers");
        for (var i = 0; i < Blocks.Count; i++)
        {
            using var block = g.Enter(i.ToString(System.Globalization.CultureInfo.InvariantCulture));
            input = Blocks[i].Export(g, input, additiveMask);
        }
        return input;
    }
}
