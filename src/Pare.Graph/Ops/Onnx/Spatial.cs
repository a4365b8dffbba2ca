namespace Pare.Graph.Ops.Onnx;

/// <summary>The window attributes shared by Conv, ConvTranspose and the pooling ops (kernel_shape, strides,
/// dilations, pads, auto_pad), read once per node and resolved against the input's spatial sizes.</summary>
/// <param name="Kernel">window size per spatial axis</param>
/// <param name="Strides">stride per axis</param>
/// <param name="Dilations">tap spacing per axis</param>
/// <param name="Begin">padding before each axis</param>
/// <param name="End">padding after each axis</param>
internal sealed record Spatial(int[] Kernel, int[] Strides, int[] Dilations, int[] Begin, int[] End)
{
    /// <summary>Number of spatial axes.</summary>
    public int Rank => Kernel.Length;

    /// <summary>True when every axis pads the same on both sides.</summary>
    public bool SymmetricPads => Begin.AsSpan().SequenceEqual(End);

    /// <summary>Reads the attributes for input spatial sizes <paramref name="size"/>; <paramref name="kernel"/> is the
    /// kernel taken from a weight (Conv) or null to require kernel_shape (pooling). auto_pad SAME_* pads so that
    /// out = ceil(in / stride), the odd unit at the end (SAME_UPPER) or the beginning (SAME_LOWER).</summary>
    public static Spatial Read(OpContext c, int[] size, int[]? kernel)
    {
        var a = c.Attributes;
        int rank = size.Length;
        var shape = a.IntArray("kernel_shape");
        if (shape is not null && kernel is not null && !shape.AsSpan().SequenceEqual(kernel))
            throw c.Fail($"kernel_shape [{string.Join(", ", shape)}] differs from the weight's [{string.Join(", ", kernel)}]");
        var k = shape ?? kernel ?? throw c.Fail("required attribute 'kernel_shape' is missing");
        if (k.Length != rank) throw c.Fail($"kernel_shape has {k.Length} values for {rank} spatial axes");
        var strides = PerAxis(c, "strides", rank, 1);
        var dilations = PerAxis(c, "dilations", rank, 1);
        if (k.Any(v => v < 1) || strides.Any(v => v < 1) || dilations.Any(v => v < 1))
            throw c.Fail("kernel_shape, strides and dilations must be positive");
        int[] begin = new int[rank], end = new int[rank];
        string autoPad = a.String("auto_pad", "NOTSET");
        switch (autoPad)
        {
            case "NOTSET":
                var pads = a.IntArray("pads") ?? new int[2 * rank];
                if (pads.Length != 2 * rank) throw c.Fail($"pads has {pads.Length} values, expected {2 * rank}");
                if (pads.Any(p => p < 0)) throw c.Fail($"pads [{string.Join(", ", pads)}] must not be negative");
                Array.Copy(pads, begin, rank);
                Array.Copy(pads, rank, end, 0, rank);
                break;
            case "VALID":
                break;
            case "SAME_UPPER":
            case "SAME_LOWER":
                for (int i = 0; i < rank; i++)
                {
                    long outSize = (size[i] + (long)strides[i] - 1) / strides[i];
                    long total = Math.Max(0, (outSize - 1) * strides[i] + (long)dilations[i] * (k[i] - 1) + 1 - size[i]);
                    int small = (int)(total / 2), large = (int)(total - total / 2);
                    (begin[i], end[i]) = autoPad == "SAME_UPPER" ? (small, large) : (large, small);
                }
                break;
            default:
                throw c.Fail($"auto_pad '{autoPad}' is not one of NOTSET, SAME_UPPER, SAME_LOWER, VALID");
        }
        return new Spatial(k, strides, dilations, begin, end);
    }

    /// <summary>An ints attribute with one value per spatial axis, or <paramref name="fallback"/> on every axis.</summary>
    public static int[] PerAxis(OpContext c, string name, int rank, int fallback)
    {
        var values = c.Attributes.IntArray(name);
        if (values is null) return Enumerable.Repeat(fallback, rank).ToArray();
        return values.Length == rank ? values : throw c.Fail($"{name} has {values.Length} values for {rank} spatial axes");
    }

    /// <summary>Output size of axis <paramref name="i"/> of a pooling window: floor (or ceil) of (in + pads −
    /// dilation·(k − 1) − 1) / stride + 1; in ceil mode a last window that would start in the end padding is dropped
    /// (PyTorch's rule, which ONNX's reference follows).</summary>
    public int PoolOutSize(int i, int size, bool ceil)
    {
        long span = (long)size + Begin[i] + End[i] - (long)Dilations[i] * (Kernel[i] - 1) - 1;
        if (span < 0) return 0;
        long outSize = (ceil ? (span + Strides[i] - 1) / Strides[i] : span / Strides[i]) + 1;
        if (ceil && (outSize - 1) * Strides[i] >= size + Begin[i]) outSize--;
        return (int)outSize;
    }
}
