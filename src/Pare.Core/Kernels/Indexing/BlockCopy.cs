namespace Pare.Core.Kernels.Indexing;

/// <summary>Concatenation as block copies: viewed as (outer, width), each part's rows land side by side in the
/// destination's wider rows.</summary>
public static class BlockCopy
{
    /// <summary>dst[o, at + c] = src[o, c] for c in [0, srcWidth).</summary>
    /// <param name="src">(outer, srcWidth), contiguous</param>
    /// <param name="outer">number of rows</param>
    /// <param name="srcWidth">row length of the part</param>
    /// <param name="dst">(outer, dstWidth), contiguous</param>
    /// <param name="dstWidth">row length of the destination</param>
    /// <param name="at">column where the part starts</param>
    public static void Place<T>(ReadOnlySpan<T> src, int outer, int srcWidth, Span<T> dst, int dstWidth, int at)
    {
        if (srcWidth == 0) return;
        for (int o = 0; o < outer; o++)
            src.Slice(o * srcWidth, srcWidth).CopyTo(dst.Slice(o * dstWidth + at, srcWidth));
    }
}
