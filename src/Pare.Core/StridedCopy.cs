namespace Pare.Core;

/// <summary>Copies between strided layouts and dense row-major buffers. The innermost dimension is the loop
/// body so that a contiguous last axis becomes a span copy.</summary>
internal static class StridedCopy
{
    /// <summary>dst[i] = src[offset + Σ idx_k·stride_k] for every multi-index in row-major order.</summary>
    public static void Gather<T>(ReadOnlySpan<T> src, int offset, ReadOnlySpan<int> dims, ReadOnlySpan<int> strides, Span<T> dst)
    {
        int rank = dims.Length;
        int count = dst.Length;
        if (count == 0) return;
        if (rank == 0)
        {
            dst[0] = src[offset];
            return;
        }
        int inner = dims[rank - 1], innerStride = strides[rank - 1];
        Span<int> idx = stackalloc int[rank];
        idx.Clear();
        int at = offset;
        for (int o = 0; o < count; o += inner)
        {
            if (innerStride == 1) src.Slice(at, inner).CopyTo(dst.Slice(o, inner));
            else for (int j = 0, s = at; j < inner; j++, s += innerStride) dst[o + j] = src[s];
            // Odometer increment over the outer dimensions.
            for (int k = rank - 2; k >= 0; k--)
            {
                at += strides[k];
                if (++idx[k] < dims[k]) break;
                at -= strides[k] * dims[k];
                idx[k] = 0;
            }
        }
    }

    /// <summary>dst[offset + Σ idx_k·stride_k] = src[i] for every multi-index in row-major order.</summary>
    public static void Scatter<T>(ReadOnlySpan<T> src, Span<T> dst, int offset, ReadOnlySpan<int> dims, ReadOnlySpan<int> strides)
    {
        int rank = dims.Length;
        int count = src.Length;
        if (count == 0) return;
        if (rank == 0)
        {
            dst[offset] = src[0];
            return;
        }
        int inner = dims[rank - 1], innerStride = strides[rank - 1];
        Span<int> idx = stackalloc int[rank];
        idx.Clear();
        int at = offset;
        for (int o = 0; o < count; o += inner)
        {
            if (innerStride == 1) src.Slice(o, inner).CopyTo(dst.Slice(at, inner));
            else for (int j = 0, s = at; j < inner; j++, s += innerStride) dst[s] = src[o + j];
            for (int k = rank - 2; k >= 0; k--)
            {
                at += strides[k];
                if (++idx[k] < dims[k]) break;
                at -= strides[k] * dims[k];
                idx[k] = 0;
            }
        }
    }
}
