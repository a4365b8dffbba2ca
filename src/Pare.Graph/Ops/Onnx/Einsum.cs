using Pare.Core;
using CoreOps = Pare.Core.Ops;

namespace Pare.Graph.Ops.Onnx;

/// <summary>Einsum on float32 operands, composed from Core ops so gradients flow: a repeated label within one
/// operand takes a diagonal (multiply by an identity mask, sum), labels no longer needed are summed out, and
/// operands are contracted left to right, each pair as one batched MatMul over (shared kept, own, contracted)
/// labels. Size-1 dimensions broadcast against their label's size, "..." dims align from the right.</summary>
internal static class Einsum
{
    // "..." dims get label ids from here on, in order, so they sort before letters in implicit output
    private const int EllipsisBase = -1000;

    [OnnxOp("Einsum", SinceVersion = 12)]
    public static Tensor?[] Run(OpContext c)
    {
        var equation = c.Attributes.String("equation", "").Replace(" ", "", StringComparison.Ordinal);
        var arrow = equation.IndexOf("->", StringComparison.Ordinal);
        var terms = (arrow < 0 ? equation : equation[..arrow]).Split(',');
        if (terms.Length != c.InputCount) throw c.Fail($"equation '{equation}' has {terms.Length} operands, the node {c.InputCount} inputs");
        var operands = new List<(Tensor T, List<int> Labels)>();
        int ellipsisRank = 0;
        var parsed = new List<(List<int> Labels, bool HasEllipsis)>();
        for (int i = 0; i < terms.Length; i++)
        {
            var x = c.Input(i);
            if (x.DType != DType.Float32) throw c.Fail($"input {i} must be float32, got {x.DType.Name()}");
            var (labels, ellipsis) = Parse(c, terms[i]);
            int letters = labels.Count - (ellipsis ? 1 : 0);
            if (letters > x.Rank || !ellipsis && letters != x.Rank)
                throw c.Fail($"term '{terms[i]}' does not match input {i} of shape {x.Shape}");
            if (ellipsis) ellipsisRank = Math.Max(ellipsisRank, x.Rank - letters);
            parsed.Add((labels, ellipsis));
        }
        for (int i = 0; i < terms.Length; i++)
        {
            var x = c.Input(i);
            var (labels, ellipsis) = parsed[i];
            if (ellipsis)
            {
                int e = x.Rank - (labels.Count - 1), at = labels.IndexOf(int.MinValue);
                labels.RemoveAt(at);
                labels.InsertRange(at, Enumerable.Range(ellipsisRank - e, e).Select(k => EllipsisBase + k));
            }
            operands.Add((x, labels));
        }
        var output = arrow < 0 ? Implicit(operands, ellipsisRank) : Explicit(c, equation[(arrow + 2)..], ellipsisRank);
        var sizes = Sizes(c, operands);
        foreach (var label in output)
            if (!sizes.ContainsKey(label)) throw c.Fail($"output label '{Name(label)}' appears in no input");

        for (int i = 0; i < operands.Count; i++) operands[i] = Diagonals(c, Broadcast(operands[i], sizes));
        var (acc, accLabels) = operands[0];
        for (int i = 1; i < operands.Count; i++)
        {
            // labels still needed after this contraction: the output's and those of the operands to come
            var later = new HashSet<int>(output);
            for (int j = i + 1; j < operands.Count; j++) later.UnionWith(operands[j].Labels);
            (acc, accLabels) = SumOut(acc, accLabels, [.. later, .. operands[i].Labels]);
            var (b, bLabels) = SumOut(operands[i].T, operands[i].Labels, [.. later, .. accLabels]);
            (acc, accLabels) = Contract(acc, accLabels, b, bLabels, later, sizes);
        }
        (acc, accLabels) = SumOut(acc, accLabels, [.. output]);
        var perm = output.Select(l => accLabels.IndexOf(l)).ToArray();
        return [perm.Length == 0 ? acc : acc.Permute(perm).Contiguous()];
    }

    // Labels of one term; "..." is marked with int.MinValue.
    private static (List<int> Labels, bool Ellipsis) Parse(OpContext c, string term)
    {
        var labels = new List<int>();
        bool ellipsis = false;
        for (int i = 0; i < term.Length; i++)
        {
            if (term[i] == '.')
            {
                if (ellipsis || i + 2 >= term.Length || term[i + 1] != '.' || term[i + 2] != '.') throw c.Fail($"term '{term}' has a malformed or repeated '...'");
                ellipsis = true;
                labels.Add(int.MinValue);
                i += 2;
            }
            else if (char.IsAsciiLetter(term[i])) labels.Add(term[i]);
            else throw c.Fail($"term '{term}' has the invalid character '{term[i]}'");
        }
        return (labels, ellipsis);
    }

    // Without "->": the "..." dims, then each letter used exactly once, in ASCII order (as NumPy does).
    private static List<int> Implicit(List<(Tensor T, List<int> Labels)> operands, int ellipsisRank)
    {
        var counts = operands.SelectMany(o => o.Labels).Where(l => l >= 0).GroupBy(l => l).Where(g => g.Count() == 1).Select(g => g.Key).Order();
        return [.. Enumerable.Range(0, ellipsisRank).Select(k => EllipsisBase + k), .. counts];
    }

    private static List<int> Explicit(OpContext c, string term, int ellipsisRank)
    {
        var (labels, ellipsis) = Parse(c, term);
        if (labels.Where(l => l >= 0).Distinct().Count() != labels.Count(l => l >= 0)) throw c.Fail($"output '{term}' repeats a label");
        if (ellipsis)
        {
            int at = labels.IndexOf(int.MinValue);
            labels.RemoveAt(at);
            labels.InsertRange(at, Enumerable.Range(0, ellipsisRank).Select(k => EllipsisBase + k));
        }
        return labels;
    }

    // The size of every label: equal across operands, or 1 where it broadcasts.
    private static Dictionary<int, int> Sizes(OpContext c, List<(Tensor T, List<int> Labels)> operands)
    {
        var sizes = new Dictionary<int, int>();
        foreach (var (t, labels) in operands)
        {
            for (int d = 0; d < labels.Count; d++)
            {
                int n = t.Shape.Dims[d];
                if (!sizes.TryGetValue(labels[d], out int seen) || seen == 1) sizes[labels[d]] = n;
                else if (n != seen && n != 1) throw c.Fail($"label '{Name(labels[d])}' has sizes {seen} and {n}");
            }
        }
        return sizes;
    }

    private static (Tensor, List<int>) Broadcast((Tensor T, List<int> Labels) o, Dictionary<int, int> sizes)
    {
        var target = o.Labels.Select(l => sizes[l]).ToArray();
        return (target.SequenceEqual(o.T.Shape.Dims.ToArray()) ? o.T : o.T.Expand(target), o.Labels);
    }

    // x[..i..i..] → x[..i..]: multiply by the identity over the two axes, then sum the second away.
    private static (Tensor, List<int>) Diagonals(OpContext c, (Tensor T, List<int> Labels) o)
    {
        var (t, labels) = (o.T, new List<int>(o.Labels));
        for (int q = 1; q < labels.Count; q++)
        {
            int p = labels.IndexOf(labels[q]);
            if (p == q) continue;
            int n = t.Shape.Dims[p];
            var maskDims = Enumerable.Repeat(1, t.Rank).ToArray();
            maskDims[p] = n;
            maskDims[q] = n;
            var eye = new float[n * n];
            for (int i = 0; i < n; i++) eye[i * n + i] = 1f;
            t = CoreOps.Reduce.Sum(CoreOps.Elementwise.Mul(t, Tensor.Wrap(eye, new Shape(maskDims))), [q]);
            labels.RemoveAt(q);
            q--;
        }
        return (t, labels);
    }

    private static (Tensor, List<int>) SumOut(Tensor t, List<int> labels, HashSet<int> keep)
    {
        var axes = Enumerable.Range(0, labels.Count).Where(d => !keep.Contains(labels[d])).ToArray();
        if (axes.Length == 0) return (t, labels);
        return (CoreOps.Reduce.Sum(t, axes), [.. labels.Where(keep.Contains)]);
    }

    // a (batch, aOnly, k) · b (batch, k, bOnly) as one batched MatMul; labels shared but not needed later are
    // contracted, shared ones still needed are batch.
    private static (Tensor, List<int>) Contract(Tensor a, List<int> la, Tensor b, List<int> lb, HashSet<int> later, Dictionary<int, int> sizes)
    {
        var batch = la.Where(l => lb.Contains(l) && later.Contains(l)).ToList();
        var contracted = la.Where(l => lb.Contains(l) && !later.Contains(l)).ToList();
        var aOnly = la.Where(l => !lb.Contains(l)).ToList();
        var bOnly = lb.Where(l => !la.Contains(l)).ToList();
        int Size(IEnumerable<int> ls) => ls.Aggregate(1, (p, l) => p * sizes[l]);
        var a3 = Arrange(a, la, [.. batch, .. aOnly, .. contracted]).Reshape(Size(batch), Size(aOnly), Size(contracted));
        var b3 = Arrange(b, lb, [.. batch, .. contracted, .. bOnly]).Reshape(Size(batch), Size(contracted), Size(bOnly));
        var product = CoreOps.Linalg.MatMul(a3, b3);
        List<int> labels = [.. batch, .. aOnly, .. bOnly];
        return (product.Reshape([.. labels.Select(l => sizes[l])]), labels);
    }

    private static Tensor Arrange(Tensor t, List<int> labels, List<int> order) =>
        t.Rank == 0 ? t : t.Permute([.. order.Select(l => labels.IndexOf(l))]);

    private static string Name(int label) => label >= 0 ? ((char)label).ToString() : "...";
}
