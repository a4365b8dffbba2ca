using Pare.Core;

namespace Pare.Graph.Ops.Onnx;

/// <summary>Which axes a Reduce* node reduces: read from the "axes" attribute before the opset where they became
/// an input (13 for ReduceSum, 18 for the others), from the optional second input after it; with
/// noop_with_empty_axes an empty list means "return the input".</summary>
internal sealed class ReduceAxes
{
    private ReduceAxes(bool[] mask, bool noop)
    {
        Mask = mask;
        Noop = noop;
    }

    /// <summary>Mask[d] is true when axis d is reduced.</summary>
    public bool[] Mask { get; }

    /// <summary>True when the node is an identity (empty axes with noop_with_empty_axes = 1).</summary>
    public bool Noop { get; }

    /// <summary>The reduced axes in increasing order (all axes for a full reduction).</summary>
    public int[] Axes => [.. Enumerable.Range(0, Mask.Length).Where(d => Mask[d])];

    /// <summary>Reads and validates the axes of the node in <paramref name="c"/> for an input of rank <paramref name="rank"/>.</summary>
    public static ReduceAxes Read(OpContext c, int rank, int inputSince)
    {
        long[]? axes;
        bool noopWhenEmpty = false;
        if (c.Opset >= inputSince)
        {
            axes = c.OptionalInput(1) is { } t ? c.Longs(t, "axes") : null;
            noopWhenEmpty = c.Attributes.Int("noop_with_empty_axes", 0) != 0;
        }
        else
        {
            axes = c.Attributes.Ints("axes");
        }
        var mask = new bool[rank];
        if (axes is null || axes.Length == 0)
        {
            Array.Fill(mask, true);
            return new ReduceAxes(mask, noopWhenEmpty);
        }
        foreach (var axis in axes)
        {
            int a = c.Axis(axis, rank, "reduction axis");
            if (mask[a]) throw c.Fail($"reduction axis {axis} is repeated in ({string.Join(", ", axes)})");
            mask[a] = true;
        }
        return new ReduceAxes(mask, false);
    }

    /// <summary>The result's shape for an input of <paramref name="shape"/>.</summary>
    public Shape Output(Shape shape, bool keepDims)
    {
        var dims = new List<int>();
        for (int d = 0; d < shape.Rank; d++)
        {
            if (!Mask[d]) dims.Add(shape.Dims[d]);
            else if (keepDims) dims.Add(1);
        }
        return new Shape([.. dims]);
    }

    /// <summary>Number of input elements folded into each output element.</summary>
    public long ReducedCount(Shape shape)
    {
        long n = 1;
        for (int d = 0; d < shape.Rank; d++)
            if (Mask[d]) n *= shape.Dims[d];
        return n;
    }
}
