using Pare.Core.Autograd;
using Pare.Core.Kernels.Gemm;

namespace Pare.Core.Ops;

/// <summary>Linear-algebra ops. <see cref="MatMul"/> follows torch.matmul: vectors are promoted to matrices and the
/// added dimension removed again, leading (batch) dimensions broadcast.</summary>
public static class Linalg
{
    /// <summary>Matrix product with torch.matmul semantics: (K)·(K) → (), (M, K)·(K, N) → (M, N), (K)·(…, K, N) →
    /// (…, N), (…, M, K)·(K) → (…, M), and (…, M, K)·(…, K, N) → (broadcast …, M, N).</summary>
    /// <param name="a">(…, M, K) or (K)</param>
    /// <param name="b">(…, K, N) or (K)</param>
    /// <returns>(broadcast …, M, N), with the dimension of a 1-D operand removed</returns>
    [Op("matmul")]
    public static Tensor MatMul(Tensor a, Tensor b)
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);
        if (a.Rank == 0 || b.Rank == 0)
            throw new ArgumentException($"matmul: both operands need at least one dimension, got shapes {a.Shape} and {b.Shape}");
        if (a.DType != DType.Float32 || b.DType != DType.Float32)
            throw new ArgumentException($"matmul: float32 operands expected, got {a.DType.Name()} {a.Shape} and {b.DType.Name()} {b.Shape}");
        int ka = a.Shape[-1], kb = b.Rank == 1 ? b.Shape[0] : b.Shape[-2];
        if (ka != kb)
            throw new ArgumentException($"matmul: inner dimensions differ for shapes {a.Shape} and {b.Shape} ({ka} vs {kb})");

        var c = MatMulCore(a.Rank == 1 ? a.Unsqueeze(0) : a, b.Rank == 1 ? b.Unsqueeze(1) : b);
        if (a.Rank == 1) c = c.Squeeze(-2);
        if (b.Rank == 1) c = c.Squeeze(-1);
        return c;
    }

    // (…, M, K)·(…, K, N) → (broadcast …, M, N); the differentiable core that MatMul wraps with (un)squeezes.
    private static Tensor MatMulCore(Tensor a, Tensor b)
    {
        int m = a.Shape[-2], k = a.Shape[-1], n = b.Shape[-1];
        Shape batch;
        try
        {
            batch = Shape.Broadcast(new Shape(a.Shape.Dims[..^2]), new Shape(b.Shape.Dims[..^2]));
        }
        catch (ArgumentException e)
        {
            throw new ArgumentException($"matmul: batch dimensions of shapes {a.Shape} and {b.Shape} do not broadcast", e);
        }
        var outDims = new int[batch.Rank + 2];
        batch.Dims.CopyTo(outDims);
        outDims[^2] = m;
        outDims[^1] = n;
        var result = TensorMemory.Zeroed<float>(batch.ElementCount * m * n);
        if (result.Length > 0 && k > 0)
        {
            using var _ = Tape.NoGrad();
            Forward(a, b, batch, m, k, n, result);
        }
        var output = Tensor.Wrap(result, outDims);

        return Tape.Record(output, "matmul", [a, b], d =>
        {
            Tensor? da = null, db = null;
            // dA = dC·Bᵀ and dB = Aᵀ·dC: the transposed views reach the GEMM as trans flags, not copies
            if (a.RequiresGrad) da = GradMath.SumToShape(MatMulCore(d, b.Transpose(-1, -2)), a.Shape);
            if (b.RequiresGrad)
            {
                if (b.Rank == 2)
                {
                    // B shared by the whole batch: one GEMM over the stacked rows instead of a batch then a sum
                    var a2 = a.Rank > 2 ? a.Reshape(-1, k) : a;
                    var d2 = d.Rank > 2 ? d.Reshape(-1, n) : d;
                    db = IsTransposedView(b)
                        // B is a transposed view (a Linear weight): dBᵀ = dCᵀ·A lands in the layout of B's storage, so
                        // the gradient reaching the weight through the transpose is contiguous, not a strided copy
                        ? MatMulCore(d2.Transpose(0, 1), a2).Transpose(0, 1)
                        : MatMulCore(a2.Transpose(0, 1), d2);
                }
                else
                {
                    db = GradMath.SumToShape(MatMulCore(a.Transpose(-1, -2), d), b.Shape);
                }
            }
            return [da, db];
        });
    }

    // A (K, N) matrix stored as the transpose of a row-major (N, K) one.
    private static bool IsTransposedView(Tensor b) =>
        b.Strides[1] != 1 && b.Strides[0] == 1 && b.Strides[1] >= b.Shape[0] && b.Shape[1] > 1;

    private static void Forward(Tensor a, Tensor b, Shape batch, int m, int k, int n, float[] c)
    {
        // a batch of A's against one B: a single GEMM over the stacked rows when A's rows are evenly spaced
        if (b.Rank == 2 && a.Rank > 2 && a.IsContiguous)
        {
            var bOp = Operand.Of(b, new Shape(), k, n);
            Gemm.Sgemm(false, bOp.Trans, c.Length / n, n, k, 1f, a.AsSpan<float>(), k, bOp.Data, bOp.Ld, 0f, c, n);
            return;
        }
        var aOp = Operand.Of(a, batch, m, k);
        var bOps = Operand.Of(b, batch, k, n);
        Gemm.SgemmBatched(aOp.Trans, bOps.Trans, batch.ElementCount, m, n, k, 1f, aOp.Data, aOp.Ld, aOp.BatchStride,
            bOps.Data, bOps.Ld, bOps.BatchStride, 0f, c, n, m * n);
    }

    /// <summary>A (…, rows, cols) operand as the GEMM sees it: storage from the first element, a trans flag, leading
    /// dimension and one batch stride. Plain and transposed views (and broadcast batches) need no copy.</summary>
    private readonly record struct Operand(ReadOnlyMemory<float> Memory, bool Trans, int Ld, int BatchStride)
    {
        public ReadOnlySpan<float> Data => Memory.Span;

        public static Operand Of(Tensor x, Shape batch, int rows, int cols)
        {
            var dims = new int[batch.Rank + 2];
            batch.Dims.CopyTo(dims);
            dims[^2] = rows;
            dims[^1] = cols;
            var full = x.Expand(dims);
            if (TryDescribe(full, rows, cols, out var op)) return op;
            if (TryDescribe(x.Contiguous().Expand(dims), rows, cols, out op)) return op;
            // a partially broadcast batch (e.g. (2, 1, …) against (2, 3, …)) has no single batch stride
            TryDescribe(full.Contiguous(), rows, cols, out op);
            return op;
        }

        private static bool TryDescribe(Tensor x, int rows, int cols, out Operand op)
        {
            op = default;
            var s = x.Strides;
            int r = x.Rank;
            // batch dimensions must collapse into one evenly strided run (stride 0 when broadcast throughout)
            int batchStride = 0, expected = -1;
            for (int i = r - 3; i >= 0; i--)
            {
                if (x.Shape.Dims[i] == 1) continue;
                if (expected < 0) batchStride = s[i];
                else if (s[i] != expected) return false;
                expected = s[i] * x.Shape.Dims[i];
            }
            int sr = s[r - 2], sc = s[r - 1];
            bool trans;
            int ld;
            if ((sc == 1 || cols == 1) && (sr >= cols || rows == 1)) { trans = false; ld = Math.Max(sr, cols); }
            else if ((sr == 1 || rows == 1) && (sc >= rows || cols == 1)) { trans = true; ld = Math.Max(sc, rows); }
            else return false;
            var storage = x.TypedStorage<float>().Memory;
            op = new Operand(storage[x.Offset..], trans, ld, batchStride);
            return true;
        }
    }
}
