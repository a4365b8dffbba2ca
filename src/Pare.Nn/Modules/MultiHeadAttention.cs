using Pare.Nn.Export;
using Pare.Graph.Building;
using Pare.Core;
using Pare.Core.Ops;
using Pare.Core.Random;

namespace Pare.Nn.Modules;

/// <summary>Multi-head self-attention with PyTorch's nn.MultiheadAttention parameters (<c>in_proj_weight</c>
/// (3D, D) holding W_q, W_k, W_v stacked, <c>in_proj_bias</c> (3D), <c>out_proj.weight</c> (D, D),
/// <c>out_proj.bias</c> (D)) and init (xavier-uniform in_proj, zero biases), batch first:
/// softmax(q·kᵀ/√d_head + mask)·v per head, then the output projection.</summary>
public sealed class MultiHeadAttention : Module
{
    /// <summary>Creates the layer for model width <paramref name="dim"/> split into <paramref name="heads"/> heads.</summary>
    public MultiHeadAttention(int dim, int heads, Rng rng)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(dim, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(heads, 1);
        if (dim % heads != 0) throw new ArgumentException($"model width {dim} is not divisible by {heads} heads", nameof(heads));
        Dim = dim;
        Heads = heads;
        float bound = MathF.Sqrt(6f / (dim + 3 * dim));
        InProjWeight = Parameter(nameof(InProjWeight), Tensor.Uniform([3 * dim, dim], -bound, bound, rng));
        InProjBias = Parameter(nameof(InProjBias), Tensor.Zeros([3 * dim]));
        OutProj = Child("out_proj", new Linear(dim, dim, rng));
        OutProj.Bias!.AsSpan<float>().Clear();
    }

    /// <summary>D, the model width.</summary>
    public int Dim { get; }

    /// <summary>h, the number of heads.</summary>
    public int Heads { get; }

    /// <summary>(3D, D)</summary>
    public Tensor InProjWeight { get; }

    /// <summary>(3D)</summary>
    public Tensor InProjBias { get; }

    /// <summary>The output projection (D → D).</summary>
    public Linear OutProj { get; }

    /// <param name="x">(B, T, D)</param>
    /// <returns>(B, T, D), unmasked attention</returns>
    public override Tensor Forward(Tensor x) => Forward(x, null, false);

    /// <param name="x">(B, T, D)</param>
    /// <param name="keyPaddingMask">(B, T) bool, true = this key is padding and gets no attention; or null</param>
    /// <param name="causal">whether position t attends only to positions ≤ t</param>
    /// <returns>(B, T, D)</returns>
    public Tensor Forward(Tensor x, Tensor? keyPaddingMask, bool causal)
    {
        ArgumentNullException.ThrowIfNull(x);
        if (x.Rank != 3 || x.Dim(2) != Dim)
            throw new ArgumentException($"MultiHeadAttention(D {Dim}, {Heads} heads) expects (B, T, {Dim}), got {x.Shape}", nameof(x));
        int b = x.Dim(0), t = x.Dim(1), hd = Dim / Heads;
        if (keyPaddingMask is not null && (keyPaddingMask.DType != DType.Bool || keyPaddingMask.Shape != new Shape(b, t)))
            throw new ArgumentException(
                $"MultiHeadAttention: key padding mask must be bool ({b}, {t}) for input {x.Shape}, got {keyPaddingMask.DType.Name()} {keyPaddingMask.Shape}",
                nameof(keyPaddingMask));

        var qkv = Elementwise.Add(Linalg.MatMul(x, InProjWeight.Transpose(0, 1)), InProjBias);
        // (B, T, D) slice → (B, h, T, d_head); q is scaled before the product as PyTorch does.
        Tensor SplitHeads(int part) => qkv.Slice(2, part * Dim, (part + 1) * Dim).Reshape(b, t, Heads, hd).Permute(0, 2, 1, 3);
        var q = Elementwise.Mul(SplitHeads(0), 1f / MathF.Sqrt(hd));
        var k = SplitHeads(1);
        var v = SplitHeads(2);
        var scores = Linalg.MatMul(q, k.Transpose(2, 3));
        if (AttentionMask.Build(b, t, keyPaddingMask, causal) is { } mask) scores = Elementwise.Add(scores, mask);
        var attn = SoftmaxOps.Softmax(scores, -1);
        var y = Linalg.MatMul(attn, v).Permute(0, 2, 1, 3).Reshape(b, t, Dim);
        return OutProj.Forward(y);
    }

    /// <inheritdoc/>
    public override string Export(GraphBuilder g, string input) => Export(g, input, null);

    /// <summary>Exports attention over (B, T, D) with an optional additive mask broadcastable to (B, heads, T, T).</summary>
    public string Export(GraphBuilder g, string input, string? additiveMask)
    {
        ArgumentNullException.ThrowIfNull(g);
        int hd = Dim / Heads;
        var qkv = OnnxExport.Affine(g, input, InProjWeight, InProjBias, "in_proj_weight", "in_proj_bias");
        var parts = g.Add("Split", [qkv, g.Int64s("qkv_sizes", Dim, Dim, Dim)], 3, OnnxExport.Attr("axis", 2L));
        var headShape = g.Int64s("head_shape", 0, 0, Heads, hd);
        string Heads4(string x) => g.Add("Transpose", [g.Add("Reshape", [x, headShape])], OnnxExport.Attr("perm", 0L, 2L, 1L, 3L));
        var q = g.Add("Mul", [Heads4(parts[0]), g.Constant(Tensor.Scalar(1f / MathF.Sqrt(hd)), "scale")]);
        var kT = g.Add("Transpose", [g.Add("Reshape", [parts[1], headShape])], OnnxExport.Attr("perm", 0L, 2L, 3L, 1L));
        var scores = g.Add("MatMul", [q, kT]);
        if (additiveMask is not null) scores = g.Add("Add", [scores, additiveMask]);
        var attn = g.Add("Softmax", [scores], OnnxExport.Attr("axis", -1L));
        var y = g.Add("Transpose", [g.Add("MatMul", [attn, Heads4(parts[2])])], OnnxExport.Attr("perm", 0L, 2L, 1L, 3L));
        y = g.Add("Reshape", [y, g.Int64s("model_shape", 0, 0, Dim)]);
        return ExportChild(g, OutProj, y);
    }
}
