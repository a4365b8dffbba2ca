using Pare.Core.Threading;

namespace Pare.Core.Kernels.Elementwise;

/// <summary>Runs an elementwise operator over whole (possibly strided, broadcast) operands and writes a new
/// contiguous result. The operand layouts are first coalesced (size-1 dimensions dropped, adjacent dimensions
/// merged where both operands step through them as one), which turns the common cases into fast paths:
/// same-shape contiguous operands become one flat row, a scalar operand becomes a row with stride 0, and a
/// "row" broadcast such as (N, C) + (C) becomes N rows of C contiguous elements reusing the same C values.
/// Everything else runs row by row over the outer indices with the innermost axis as the vector loop when its
/// stride is 1. Work over <see cref="ParallelThreshold"/> elements is split into chunks of a fixed size (never
/// dependent on the thread count), so results are bit-identical for any number of threads.</summary>
public static class BroadcastDriver
{
    /// <summary>Element count from which the work is spread over the thread pool.</summary>
    public const int ParallelThreshold = 1 << 16;

    /// <summary>Elements per parallel chunk.</summary>
    public const int ChunkSize = 1 << 14;

    /// <summary>y = op(x) over contiguous memory.</summary>
    /// <param name="op">the operator</param>
    /// <param name="x">(n)</param>
    /// <param name="y">(n)</param>
    public static void Unary<TOp>(TOp op, ReadOnlyMemory<float> x, Memory<float> y) where TOp : struct, IUnaryOperator
    {
        int n = x.Length;
        if (n < ParallelThreshold)
        {
            ElementwiseDriver.Unary(op, x.Span, y.Span);
            return;
        }
        Parallelism.For((n + ChunkSize - 1) / ChunkSize, c =>
        {
            int start = c * ChunkSize, len = Math.Min(ChunkSize, n - start);
            ElementwiseDriver.Unary(op, x.Span.Slice(start, len), y.Span.Slice(start, len));
        });
    }

    /// <summary>z = op(a, b) with NumPy broadcasting already resolved into strides: both operands are described
    /// over the output's dimensions, with stride 0 on every dimension they are broadcast along.</summary>
    /// <param name="op">the operator</param>
    /// <param name="a">storage of the left operand</param>
    /// <param name="aOffset">index of a's first element in <paramref name="a"/></param>
    /// <param name="aStrides">a's strides over the output dimensions (rank of <paramref name="dims"/>)</param>
    /// <param name="b">storage of the right operand</param>
    /// <param name="bOffset">index of b's first element in <paramref name="b"/></param>
    /// <param name="bStrides">b's strides over the output dimensions</param>
    /// <param name="dims">output shape (d_0, ..., d_{r−1})</param>
    /// <param name="z">contiguous output, (d_0·...·d_{r−1})</param>
    public static void Binary<TOp>(TOp op, ReadOnlyMemory<float> a, int aOffset, ReadOnlySpan<int> aStrides,
        ReadOnlyMemory<float> b, int bOffset, ReadOnlySpan<int> bStrides, ReadOnlySpan<int> dims, Memory<float> z)
        where TOp : struct, IBinaryOperator
    {
        var (d, sa, sb) = Coalesce(dims, aStrides, bStrides);
        int total = z.Length;
        if (total == 0) return;
        int rank = d.Length, inner = d[rank - 1], outer = total / inner;
        int ia = sa[rank - 1], ib = sb[rank - 1];

        // One work item is either a slice of the single row or a group of whole rows.
        bool splitRow = outer == 1;
        int rowsPerItem = Math.Max(1, ChunkSize / inner);
        int items = total < ParallelThreshold ? 1 : splitRow ? (inner + ChunkSize - 1) / ChunkSize : (outer + rowsPerItem - 1) / rowsPerItem;
        void Item(int k)
        {
            int r0, r1, c0, c1;
            if (items == 1) (r0, r1, c0, c1) = (0, outer, 0, inner);
            else if (splitRow) (r0, r1, c0, c1) = (0, 1, k * ChunkSize, Math.Min(inner, (k + 1) * ChunkSize));
            else (r0, r1, c0, c1) = (k * rowsPerItem, Math.Min(outer, (k + 1) * rowsPerItem), 0, inner);
            var aSpan = a.Span;
            var bSpan = b.Span;
            var zSpan = z.Span;
            for (int r = r0; r < r1; r++)
            {
                // offsets of row r: decompose r over the outer dimensions, row-major
                int ao = aOffset, bo = bOffset, rest = r;
                for (int k2 = rank - 2; k2 >= 0; k2--)
                {
                    int idx = rest % d[k2];
                    rest /= d[k2];
                    ao += idx * sa[k2];
                    bo += idx * sb[k2];
                }
                Row(op, aSpan, ao + c0 * ia, ia, bSpan, bo + c0 * ib, ib, zSpan.Slice(r * inner + c0, c1 - c0));
            }
        }
        if (items == 1) Item(0);
        else Parallelism.For(items, Item);
    }

    // One output row of n elements, operands stepping by ia and ib (0 = the same value reused).
    private static void Row<TOp>(TOp op, ReadOnlySpan<float> a, int ao, int ia, ReadOnlySpan<float> b, int bo, int ib, Span<float> z)
        where TOp : struct, IBinaryOperator
    {
        int n = z.Length;
        if (ia == 1 && ib == 1) ElementwiseDriver.Binary(op, a.Slice(ao, n), b.Slice(bo, n), z);
        else if (ia == 1 && ib == 0) ElementwiseDriver.BinaryRightScalar(op, a.Slice(ao, n), b[bo], z);
        else if (ia == 0 && ib == 1) ElementwiseDriver.BinaryLeftScalar(op, a[ao], b.Slice(bo, n), z);
        else
            for (int j = 0; j < n; j++) z[j] = op.Invoke(a[ao + j * ia], b[bo + j * ib]);
    }

    // Drops size-1 dimensions and merges dimension i into i+1 whenever both operands step through the pair as
    // one dimension (stride_i = stride_{i+1}·d_{i+1}; this holds for broadcast pairs too, 0 = 0·d). Always returns
    // at least one dimension.
    private static (int[] Dims, int[] A, int[] B) Coalesce(ReadOnlySpan<int> dims, ReadOnlySpan<int> sa, ReadOnlySpan<int> sb)
    {
        var d = new List<int>(dims.Length);
        var a = new List<int>(dims.Length);
        var b = new List<int>(dims.Length);
        for (int i = dims.Length - 1; i >= 0; i--)
        {
            if (dims[i] == 1) continue;
            int last = d.Count - 1;
            if (last >= 0 && sa[i] == a[last] * d[last] && sb[i] == b[last] * d[last])
            {
                d[last] *= dims[i];
                continue;
            }
            d.Add(dims[i]);
            a.Add(sa[i]);
            b.Add(sb[i]);
        }
        if (d.Count == 0) return ([1], [0], [0]);
        d.Reverse();
        a.Reverse();
        b.Reverse();
        return ([.. d], [.. a], [.. b]);
    }
}
