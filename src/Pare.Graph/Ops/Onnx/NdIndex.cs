using Pare.Core;

namespace Pare.Graph.Ops.Onnx;

/// <summary>The index tuples of GatherND and ScatterND resolved to rows: data of shape (b_0.., k_0.., i_0..) is
/// viewed as (B·M, inner) rows, where the batch_dims leading axes give B, the k indexed axes give M and the rest
/// make a row of <see cref="Inner"/> elements.</summary>
/// <param name="Rows">row of every index tuple, in row-major order of indices.shape[:-1]</param>
/// <param name="RowCount">B·M, the number of rows of data</param>
/// <param name="Inner">elements per row</param>
/// <param name="OutputShape">GatherND's output: indices.shape[:-1] + data.shape[batch_dims + k:]</param>
internal sealed record NdIndex(int[] Rows, int RowCount, int Inner, Shape OutputShape)
{
    /// <summary>Reads and checks <paramref name="indices"/> (negative values count from the end).</summary>
    public static NdIndex Read(OpContext c, Shape data, Tensor indices)
    {
        int b = c.Attributes.Int32("batch_dims", 0);
        int q = indices.Rank, r = data.Rank;
        if (q < 1) throw c.Fail("indices must have rank at least 1");
        int k = indices.Shape[-1];
        if (b < 0 || b >= Math.Min(q, r)) throw c.Fail($"batch_dims {b} must be below the ranks of data {data} and indices {indices.Shape}");
        if (b + k > r) throw c.Fail($"index tuples of length {k} with batch_dims {b} do not fit data of rank {r}");
        for (int d = 0; d < b; d++)
            if (indices.Shape[d] != data[d]) throw c.Fail($"batch dimension {d} differs: indices {indices.Shape}, data {data}");
        var values = c.Longs(indices, "indices");
        int tuples = values.Length / Math.Max(k, 1);
        if (k == 0) tuples = ElementMaps.Product(indices.Shape.Dims, 0, q - 1);
        int perBatch = ElementMaps.Product(indices.Shape.Dims, b, q - 1);
        int m = ElementMaps.Product(data.Dims, b, b + k);
        int inner = ElementMaps.Product(data.Dims, b + k, r);
        var rows = new int[tuples];
        for (int t = 0; t < tuples; t++)
        {
            int row = 0;
            for (int j = 0; j < k; j++)
            {
                int size = data[b + j];
                long v = values[t * k + j];
                if (v < 0) v += size;
                if (v < 0 || v >= size) throw c.Fail($"index {values[t * k + j]} is out of range for axis {b + j} of size {size}");
                row = row * size + (int)v;
            }
            rows[t] = (perBatch == 0 ? 0 : t / perBatch) * m + row;
        }
        var outDims = new List<int>(indices.Shape.Dims[..^1].ToArray());
        outDims.AddRange(data.Dims[(b + k)..].ToArray());
        return new NdIndex(rows, ElementMaps.Product(data.Dims, 0, b + k), inner, new Shape([.. outDims]));
    }
}
