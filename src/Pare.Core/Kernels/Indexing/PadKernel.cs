namespace Pare.Core.Kernels.Indexing;

/// <summary>Padding through per-axis source maps: output coordinate o of axis d reads input coordinate
/// maps[d][o], or the fill value when that is −1. Constant, reflect, replicate padding and cropping are all just
/// different maps. The last axis' stretch where the map is the identity shifted (the interior) is one block
/// copy per row; the border elements go one by one.</summary>
public static class PadKernel
{
    /// <summary>dst[o_0, .., o_r] = src[maps[0][o_0], .., maps[r][o_r]], or <paramref name="value"/> when any
    /// map entry is −1.</summary>
    /// <param name="src">contiguous, shape <paramref name="srcDims"/></param>
    /// <param name="srcDims">(d_0, .., d_r), r ≥ 0</param>
    /// <param name="maps">one map per axis; maps[d].Length is the output size of axis d, entries in [−1, d_d)</param>
    /// <param name="value">fill value for −1 entries</param>
    /// <param name="dst">contiguous, shape (maps[0].Length, .., maps[r].Length)</param>
    public static void Forward(ReadOnlySpan<float> src, ReadOnlySpan<int> srcDims, int[][] maps, float value, Span<float> dst)
    {
        int rank = srcDims.Length;
        if (dst.Length == 0) return;
        if (rank == 0) { dst[0] = src[0]; return; }
        var last = maps[rank - 1];
        var (lo, hi) = Interior(last);
        int width = last.Length;
        foreach (var (o, at) in Rows(srcDims, maps))
        {
            var row = dst.Slice(o, width);
            if (at < 0) { row.Fill(value); continue; }
            for (int j = 0; j < lo; j++) row[j] = last[j] < 0 ? value : src[at + last[j]];
            if (hi > lo) src.Slice(at + last[lo], hi - lo).CopyTo(row[lo..hi]);
            for (int j = Math.Max(hi, lo); j < width; j++) row[j] = last[j] < 0 ? value : src[at + last[j]];
        }
    }

    /// <summary>Scalar twin of <see cref="Forward"/>: every element through its map.</summary>
    public static void ForwardReference(ReadOnlySpan<float> src, ReadOnlySpan<int> srcDims, int[][] maps, float value, Span<float> dst)
    {
        int rank = srcDims.Length;
        if (dst.Length == 0) return;
        if (rank == 0) { dst[0] = src[0]; return; }
        var last = maps[rank - 1];
        foreach (var (o, at) in Rows(srcDims, maps))
            for (int j = 0; j < last.Length; j++)
                dst[o + j] = at < 0 || last[j] < 0 ? value : src[at + last[j]];
    }

    /// <summary>Backward of <see cref="Forward"/>: dSrc[map(o)] += dDst[o] for every output element that was
    /// read from the input, in row-major output order (reflect and replicate send several outputs to one input).</summary>
    /// <param name="dDst">contiguous, the output's shape</param>
    /// <param name="srcDims">(d_0, .., d_r)</param>
    /// <param name="maps">the maps of the forward</param>
    /// <param name="dSrc">contiguous, shape <paramref name="srcDims"/>, accumulated into</param>
    public static void Backward(ReadOnlySpan<float> dDst, ReadOnlySpan<int> srcDims, int[][] maps, Span<float> dSrc)
    {
        int rank = srcDims.Length;
        if (dDst.Length == 0) return;
        if (rank == 0) { dSrc[0] += dDst[0]; return; }
        var last = maps[rank - 1];
        var (lo, hi) = Interior(last);
        int width = last.Length;
        foreach (var (o, at) in Rows(srcDims, maps))
        {
            if (at < 0) continue;
            var row = dDst.Slice(o, width);
            for (int j = 0; j < lo; j++) if (last[j] >= 0) dSrc[at + last[j]] += row[j];
            if (hi > lo)
            {
                var acc = dSrc.Slice(at + last[lo], hi - lo);
                System.Numerics.Tensors.TensorPrimitives.Add(acc, row[lo..hi], acc);
            }
            for (int j = Math.Max(hi, lo); j < width; j++) if (last[j] >= 0) dSrc[at + last[j]] += row[j];
        }
    }

    /// <summary>Scalar twin of <see cref="Backward"/>.</summary>
    public static void BackwardReference(ReadOnlySpan<float> dDst, ReadOnlySpan<int> srcDims, int[][] maps, Span<float> dSrc)
    {
        int rank = srcDims.Length;
        if (dDst.Length == 0) return;
        if (rank == 0) { dSrc[0] += dDst[0]; return; }
        var last = maps[rank - 1];
        foreach (var (o, at) in Rows(srcDims, maps))
        {
            if (at < 0) continue;
            for (int j = 0; j < last.Length; j++)
                if (last[j] >= 0) dSrc[at + last[j]] += dDst[o + j];
        }
    }

    // The longest run [lo, hi) of the last axis' map where map[j] = map[lo] + (j − lo) and all entries are valid:
    // the interior that is a straight copy. In a pad map the interior is the only such run longer than one.
    private static (int Lo, int Hi) Interior(int[] map)
    {
        int bestLo = 0, bestHi = 0;
        for (int j = 0; j < map.Length;)
        {
            if (map[j] < 0) { j++; continue; }
            int k = j + 1;
            while (k < map.Length && map[k] == map[k - 1] + 1) k++;
            if (k - j > bestHi - bestLo) (bestLo, bestHi) = (j, k);
            j = k;
        }
        return (bestLo, bestHi);
    }

    // Every output row (all axes but the last) as (offset of the row in the output, offset of its source row in
    // the input or −1 when an outer map entry is −1).
    private static IEnumerable<(int Out, int Src)> Rows(ReadOnlySpan<int> srcDims, int[][] maps)
    {
        int rank = srcDims.Length;
        var strides = new int[rank];
        for (int d = rank - 1, s = 1; d >= 0; d--) { strides[d] = s; s *= srcDims[d]; }
        return RowsIterator(strides, maps);
    }

    private static IEnumerable<(int Out, int Src)> RowsIterator(int[] strides, int[][] maps)
    {
        int rank = maps.Length, width = maps[rank - 1].Length;
        int rows = 1;
        for (int d = 0; d < rank - 1; d++) rows *= maps[d].Length;
        var coord = new int[rank - 1];
        for (int r = 0; r < rows; r++)
        {
            int at = 0;
            for (int d = 0; d < rank - 1 && at >= 0; d++)
            {
                int m = maps[d][coord[d]];
                at = m < 0 ? -1 : at + m * strides[d];
            }
            yield return (r * width, at);
            for (int d = rank - 2; d >= 0; d--)
            {
                if (++coord[d] < maps[d].Length) break;
                coord[d] = 0;
            }
        }
    }
}
