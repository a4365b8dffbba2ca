using System.Buffers;
using System.Numerics.Tensors;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace Pare.Core.Kernels.Gemm;

// Matrix-vector products (m == 1 or n == 1): the tiled path would compute a full MR×NR tile per output element
// (12× or 32× the work) and pack a whole operand, so these go straight to TensorPrimitives dots and axpys.
public static partial class Gemm
{
    // one output row (m == 1) or column (n == 1); operands validated, m, n, k ≥ 1
    private static void Gemv(bool transA, bool transB, int m, int n, int k, float alpha,
        ReadOnlySpan<float> a, int lda, ReadOnlySpan<float> b, int ldb, float beta, Span<float> c, int ldc)
    {
        float[]? rentedX = null, rentedAcc = null;
        try
        {
            if (n == 1)
            {
                // x = op(B) as a K-vector; y_i = op(A)[i, :]·x
                var x = transB ? b[..k] : Gather(b, ldb, k, ref rentedX);
                if (!transA)
                {
                    for (int i = 0; i < m; i++) Write(ref c[i * ldc], TensorPrimitives.Dot(a.Slice(i * lda, k), x), alpha, beta);
                }
                else
                {
                    // A stored K×M: accumulate rows of A scaled by x_p (contiguous axpys) instead of strided dots
                    var acc = Accumulate(a, lda, m, x, ref rentedAcc);
                    for (int i = 0; i < m; i++) Write(ref c[i * ldc], acc[i], alpha, beta);
                }
            }
            else
            {
                // x = op(A) as a K-vector; y_j = x·op(B)[:, j]
                var x = transA ? Gather(a, lda, k, ref rentedX) : a[..k];
                if (transB)
                {
                    for (int j = 0; j < n; j++) Write(ref c[j], TensorPrimitives.Dot(b.Slice(j * ldb, k), x), alpha, beta);
                }
                else
                {
                    var acc = Accumulate(b, ldb, n, x, ref rentedAcc);
                    for (int j = 0; j < n; j++) Write(ref c[j], acc[j], alpha, beta);
                }
            }
        }
        finally
        {
            if (rentedX is not null) ArrayPool<float>.Shared.Return(rentedX);
            if (rentedAcc is not null) ArrayPool<float>.Shared.Return(rentedAcc);
        }
    }

    // the k values v[p·ld] as a contiguous vector
    private static ReadOnlySpan<float> Gather(ReadOnlySpan<float> v, int ld, int k, ref float[]? rented)
    {
        if (ld == 1) return v[..k];
        rented = ArrayPool<float>.Shared.Rent(k);
        for (int p = 0; p < k; p++) rented[p] = v[p * ld];
        return rented.AsSpan(0, k);
    }

    // rows up to this length are accumulated in a plain loop instead of a vectorized call per row
    private const int ShortAxpy = 16;

    // Σ_p x_p · rows[p·ld .. p·ld + len], in p order
    private static Span<float> Accumulate(ReadOnlySpan<float> rows, int ld, int len, ReadOnlySpan<float> x, ref float[]? rented)
    {
        rented = ArrayPool<float>.Shared.Rent(len);
        var acc = rented.AsSpan(0, len);
        acc.Clear();
        if (len <= ShortAxpy)
        {
            // a few columns (a classifier head of 10 classes): a call per row would cost more than its arithmetic.
            // The accumulator stays in one 16-lane register; each row is loaded whole while 16 floats from its start
            // are inside the span (lanes past len hold the next row's values and are never stored), the rest by lanes
            int p = 0;
            if (Vector512.IsHardwareAccelerated)
            {
                var sum = Vector512<float>.Zero;
                ref float r0 = ref MemoryMarshal.GetReference(rows);
                for (; p < x.Length && (long)p * ld + Vector512<float>.Count <= rows.Length; p++)
                    sum += Vector512.LoadUnsafe(ref r0, (nuint)((long)p * ld)) * Vector512.Create(x[p]);
                for (int j = 0; j < acc.Length; j++) acc[j] = sum.GetElement(j);
            }
            for (; p < x.Length; p++)
            {
                var row = rows.Slice(p * ld, len);
                float xp = x[p];
                for (int j = 0; j < acc.Length; j++) acc[j] = row[j] * xp + acc[j];
            }
            return acc;
        }
        for (int p = 0; p < x.Length; p++) TensorPrimitives.MultiplyAdd(rows.Slice(p * ld, len), x[p], acc, acc);
        return acc;
    }

    // c = α·s (β == 0: old c never read) or α·s + β·c rounded once, as the tiled kernels do
    private static void Write(ref float c, float s, float alpha, float beta) =>
        c = beta == 0 ? alpha * s : GemmTile.Combine(s, alpha, beta, c);
}
