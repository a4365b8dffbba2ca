namespace Pare.Core.Kernels.Indexing;

/// <summary>torch.gather and torch.scatter_add along one axis: every index element picks (or adds to) one element,
/// so there is no block to copy and the kernels are plain loops. The index tensor has the rank of the data tensor
/// and, on every other axis, a size no larger than the data's; indices must already be validated.</summary>
public static class AxisGather
{
    /// <summary>dst[i_0, .., i_r] = src[i_0, .., index[i_0, .., i_r] (at <paramref name="axis"/>), .., i_r].</summary>
    /// <param name="src">contiguous data of shape <paramref name="srcDims"/></param>
    /// <param name="srcDims">(d_0, .., d_r)</param>
    /// <param name="axis">the indexed axis, in [0, r]</param>
    /// <param name="index">contiguous, shape <paramref name="indexDims"/>, values in [0, d_axis)</param>
    /// <param name="indexDims">(k_0, .., k_r), k_j ≤ d_j for j ≠ axis</param>
    /// <param name="dst">shape <paramref name="indexDims"/></param>
    public static void Gather(ReadOnlySpan<float> src, ReadOnlySpan<int> srcDims, int axis, ReadOnlySpan<int> index,
        ReadOnlySpan<int> indexDims, Span<float> dst)
    {
        Span<int> strides = stackalloc int[srcDims.Length];
        int axisStride = OuterStrides(srcDims, axis, strides);
        Span<int> coord = stackalloc int[indexDims.Length];
        coord.Clear();
        int at = 0;
        for (int i = 0; i < index.Length; i++)
        {
            dst[i] = src[at + index[i] * axisStride];
            at = Step(coord, indexDims, strides, at);
        }
    }

    /// <summary>dst[i_0, .., index[i_0, .., i_r] (at <paramref name="axis"/>), .., i_r] += values[i_0, .., i_r], in
    /// row-major order of the index (so repeated targets always sum in the same order).</summary>
    /// <param name="values">shape <paramref name="indexDims"/></param>
    /// <param name="axis">the indexed axis, in [0, r]</param>
    /// <param name="index">contiguous, shape <paramref name="indexDims"/>, values in [0, d_axis)</param>
    /// <param name="indexDims">(k_0, .., k_r), k_j ≤ d_j for j ≠ axis</param>
    /// <param name="dst">contiguous, shape <paramref name="dstDims"/>, accumulated into</param>
    /// <param name="dstDims">(d_0, .., d_r)</param>
    public static void ScatterAdd(ReadOnlySpan<float> values, int axis, ReadOnlySpan<int> index, ReadOnlySpan<int> indexDims,
        Span<float> dst, ReadOnlySpan<int> dstDims)
    {
        Span<int> strides = stackalloc int[dstDims.Length];
        int axisStride = OuterStrides(dstDims, axis, strides);
        Span<int> coord = stackalloc int[indexDims.Length];
        coord.Clear();
        int at = 0;
        for (int i = 0; i < index.Length; i++)
        {
            dst[at + index[i] * axisStride] += values[i];
            at = Step(coord, indexDims, strides, at);
        }
    }

    // Row-major strides of dims with the indexed axis' stride zeroed (the index supplies that coordinate);
    // returns the axis' own stride.
    private static int OuterStrides(ReadOnlySpan<int> dims, int axis, Span<int> strides)
    {
        int s = 1;
        for (int d = dims.Length - 1; d >= 0; d--)
        {
            strides[d] = s;
            s *= dims[d];
        }
        if (dims.Length == 0) return 0;
        int axisStride = strides[axis];
        strides[axis] = 0;
        return axisStride;
    }

    // Odometer step over the index's coordinates, keeping at = Σ coord_d·stride_d.
    private static int Step(Span<int> coord, ReadOnlySpan<int> dims, ReadOnlySpan<int> strides, int at)
    {
        for (int d = dims.Length - 1; d >= 0; d--)
        {
            at += strides[d];
            if (++coord[d] < dims[d]) return at;
            at -= strides[d] * dims[d];
            coord[d] = 0;
        }
        return at;
    }
}
