namespace Pare.Core.Ops;

/// <summary>How a reduction over a set of axes maps onto the kernels' contiguous (O, R, I) form: when the
/// reduced axes are adjacent, the input is used as it lies (O = size before them, R = their size, I = size
/// after); otherwise the kept axes are moved first and the reduced ones last (one copy), giving (K, R, 1).</summary>
internal sealed class ReducePlan
{
    private readonly int[]? _permutation;

    private ReducePlan(Shape input, Shape kept, Shape output, int outer, int r, int inner, int[]? permutation)
    {
        Input = input;
        Kept = kept;
        Output = output;
        Outer = outer;
        R = r;
        Inner = inner;
        _permutation = permutation;
    }

    /// <summary>The input's shape.</summary>
    public Shape Input { get; }

    /// <summary>The output shape with the reduced axes kept as size 1.</summary>
    public Shape Kept { get; }

    /// <summary>The shape of the result (Kept when keepDims, else with the reduced axes dropped).</summary>
    public Shape Output { get; }

    public int Outer { get; }

    public int R { get; }

    public int Inner { get; }

    /// <summary>Validates <paramref name="axes"/> (null or empty = all) against <paramref name="shape"/>:
    /// out-of-range axes throw ArgumentOutOfRangeException, repeated ones ArgumentException, both naming the
    /// axis and the shape.</summary>
    public static ReducePlan Create(Shape shape, int[]? axes, bool keepDims, string op)
    {
        int rank = shape.Rank;
        var reduced = new bool[rank];
        if (axes is null || axes.Length == 0)
        {
            Array.Fill(reduced, true);
        }
        else
        {
            foreach (int axis in axes)
            {
                int a = axis < 0 ? axis + rank : axis;
                if ((uint)a >= (uint)rank)
                    throw new ArgumentOutOfRangeException(nameof(axes), axis, $"{op}: axis {axis} is out of range for shape {shape} of rank {rank}");
                if (reduced[a])
                    throw new ArgumentException($"{op}: axis {axis} is repeated in ({string.Join(", ", axes)}) for shape {shape}", nameof(axes));
                reduced[a] = true;
            }
        }
        var dims = shape.Dims;
        var kept = new int[rank];
        var output = new List<int>();
        int first = Array.IndexOf(reduced, true), last = Array.LastIndexOf(reduced, true);
        bool adjacent = true;
        int keptCount = 1, r = 1;
        for (int i = 0; i < rank; i++)
        {
            kept[i] = reduced[i] ? 1 : dims[i];
            if (reduced[i]) r *= dims[i];
            else
            {
                keptCount *= dims[i];
                output.Add(dims[i]);
                if (i > first && i < last) adjacent = false;
            }
        }
        var keptShape = new Shape(kept);
        var outShape = keepDims ? keptShape : new Shape([.. output]);
        if (first < 0) return new ReducePlan(shape, keptShape, outShape, keptCount, 1, 1, null);
        if (adjacent)
        {
            int outer = 1, inner = 1;
            for (int i = 0; i < first; i++) outer *= dims[i];
            for (int i = last + 1; i < rank; i++) inner *= dims[i];
            return new ReducePlan(shape, keptShape, outShape, outer, r, inner, null);
        }
        var perm = Enumerable.Range(0, rank).Where(i => !reduced[i]).Concat(Enumerable.Range(0, rank).Where(i => reduced[i])).ToArray();
        return new ReducePlan(shape, keptShape, outShape, keptCount, r, 1, perm);
    }

    /// <summary>The input's values laid out as the contiguous (O, R, I) block, not recorded for autograd.</summary>
    public Tensor Layout(Tensor x)
    {
        var t = x.Detach();
        if (t.DType != DType.Float32) t = t.To(DType.Float32);
        if (_permutation is not null) t = t.Permute(_permutation);
        return t.Contiguous();
    }

    /// <summary>A tensor of the output shape (or Kept) broadcast back to the input's shape, as values.</summary>
    public float[] Broadcast(Tensor g) => g.Detach().Reshape(Kept.Dims.ToArray()).Expand(Input.Dims.ToArray()).ToArray<float>();
}
