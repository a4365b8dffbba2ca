using TensorPrimitives = System.Numerics.Tensors.TensorPrimitives;
using Pare.Core;
using Pare.Core.Kernels.Gemm;
using CoreOps = Pare.Core.Ops;

namespace Pare.Graph.Ops.Onnx;

/// <summary>One fused time step for one direction (inference): <paramref name="gates"/> (B, G·H) holds this step's
/// input projection on entry; the cell adds its recurrent products, applies the gates and writes the new states.</summary>
/// <param name="gates">(B, G·H) scratch, X_t·Wᵀ plus folded biases on entry</param>
/// <param name="h">(B, H) previous hidden state</param>
/// <param name="c">(B, H) previous cell state (LSTM; empty otherwise)</param>
/// <param name="hNew">(B, H) new hidden state</param>
/// <param name="cNew">(B, H) new cell state (LSTM; empty otherwise)</param>
internal delegate void FusedCell(Span<float> gates, ReadOnlySpan<float> h, ReadOnlySpan<float> c, Span<float> hNew, Span<float> cNew);

// The inference path: no tape, so per step one GEMM into a scratch buffer and span loops instead of a dozen small
// Core ops, each allocating its result (20x slower at B = 8, H = 128).
internal sealed partial class RecurrentNode
{
    /// <summary>In place: the gate pre-activations bounded by <see cref="Clip"/>.</summary>
    public void Clamp(Span<float> x)
    {
        if (Clip is not { } k) return;
        TensorPrimitives.Max(x, -k, x);
        TensorPrimitives.Min(x, k, x);
    }

    /// <summary>(count·H) sum of direction d's W biases from gate <paramref name="wGate"/> and R biases from gate
    /// <paramref name="rGate"/>, added on spans (the inference path: no tape, so no Core op and its bookkeeping);
    /// the same single rounding as the Core Add. B must be present.</summary>
    public Tensor BiasSum(int d, int wGate, int rGate, int count)
    {
        var row = B!.Slice(0, d, d + 1).Contiguous().AsSpan<float>();
        var sum = new float[count * Hidden];
        TensorPrimitives.Add(row.Slice(wGate * Hidden, sum.Length), row.Slice(rGate * Hidden, sum.Length), sum);
        return Tensor.Wrap(sum, [sum.Length]);
    }

    /// <summary>Batches up to this size multiply R as stored, one dot product per gate row and batch entry
    /// (<see cref="Gemm.SgemmRowDots"/>); larger ones multiply by Rᵀ, transposed once per run.</summary>
    public const int RowDotsBatch = 4;

    /// <summary>c (B, count) at leading dimension <paramref name="ldc"/> = β·c + h (B, H) · R[row0 .. row0 + count)ᵀ
    /// (β is 0 or 1): the recurrent product for gate rows row0.. of direction <paramref name="r"/>. Small batches
    /// stream R's rows as stored; larger ones take the small-m GEMM on Rᵀ (the tiled one would pack all of Rᵀ again
    /// at every step), or the tiled GEMM beyond <see cref="Gemm.SmallM"/>.</summary>
    public void AddRecurrent(ReadOnlySpan<float> h, RecurrentWeights r, int row0, int count, Span<float> c, int ldc, float beta = 1f)
    {
        if (r.Transposed is not { } rT)
        {
            Gemm.SgemmRowDots(count, Batch, Hidden, r.Rows.Span[(row0 * Hidden)..], Hidden, h, Hidden, beta, c, 1, ldc);
            return;
        }
        int ldr = Gates * Hidden;
        var b = rT.AsSpan(row0);
        if (Batch > Gemm.SmallM)
        {
            Gemm.Sgemm(false, false, Batch, count, Hidden, 1f, h, Hidden, b, ldr, beta, c, ldc);
            return;
        }
        if (beta == 0f)
            for (int e = 0; e < Batch; e++) c.Slice(e * ldc, count).Clear();
        Gemm.SgemmSmallM(Batch, count, Hidden, h, Hidden, b, ldr, c, ldc);
    }

    /// <summary>R of direction <paramref name="d"/> in the form <see cref="AddRecurrent"/> multiplies: its (G·H, H)
    /// rows as stored for small batches (no copy when R is contiguous), else Rᵀ (H, G·H) transposed once per run so
    /// each step's GEMM reads B untransposed.</summary>
    public RecurrentWeights RecurrentWeightsOf(int d)
    {
        var rows = ROf(d);
        if (Batch <= RowDotsBatch)
            return new RecurrentWeights(rows.IsContiguous ? rows.TypedStorage<float>().Memory.Slice(rows.Offset, rows.Count) : rows.ToArray<float>(), null);
        return new RecurrentWeights(default, rows.Transpose(0, 1).ToArray<float>());
    }

    /// <summary>X·Wᵀ (S·B, G·H) of direction <paramref name="d"/> plus <paramref name="bias"/>, row-major. A few rows
    /// (batch-1 streaming: S·B ≤ <see cref="Gemm.RowDotsMaxN"/>) are dot products against W's rows as stored; more go
    /// through MatMul.</summary>
    private ReadOnlySpan<float> Project(int d, Tensor? bias)
    {
        int rows = Steps * Batch, gh = Gates * Hidden, inputSize = X.Dim(2);
        if (rows > Gemm.RowDotsMaxN)
        {
            var xw = CoreOps.Linalg.MatMul(X, WOf(d).Transpose(0, 1));
            if (bias is not null) xw = CoreOps.Elementwise.Add(xw, bias);
            return xw.Contiguous().AsSpan<float>();
        }
        var result = new float[rows * gh];
        if (bias is not null)
        {
            var b = bias.Contiguous().AsSpan<float>();
            for (int r = 0; r < rows; r++) b.CopyTo(result.AsSpan(r * gh, gh));
        }
        var w = WOf(d).Contiguous().AsSpan<float>();
        var x = X.Contiguous().AsSpan<float>();
        Gemm.SgemmRowDots(gh, rows, inputSize, w, inputSize, x, inputSize, bias is null ? 0f : 1f, result, 1, gh);
        return result;
    }

    // One direction, fused: (S, B, H) outputs, final h and c.
    private (Tensor Y, Tensor H, Tensor? C) RunDirectionFused(int d, Tensor? bias, FusedCell cell, bool lstm)
    {
        int s = Steps, b = Batch, hidden = Hidden, gh = Gates * hidden;
        var h = InitialH?.Slice(0, d, d + 1).ToArray<float>() ?? new float[b * hidden];
        var c = lstm ? InitialC?.Slice(0, d, d + 1).ToArray<float>() ?? new float[b * hidden] : [];
        var y = new float[s * b * hidden];
        if (s > 0)
        {
            var projected = Project(d, bias);
            var gates = new float[b * gh];
            var hNew = new float[b * hidden];
            var cNew = new float[c.Length];
            for (int step = 0; step < s; step++)
            {
                for (int e = 0; e < b; e++)
                    projected.Slice((Time(d, step, e) * b + e) * gh, gh).CopyTo(gates.AsSpan(e * gh, gh));
                cell(gates, h, c, hNew, cNew);
                for (int e = 0; e < b; e++)
                {
                    if (Lengths is not null && step >= Lengths[e]) continue; // finished: keeps its state, outputs zeros
                    hNew.AsSpan(e * hidden, hidden).CopyTo(h.AsSpan(e * hidden, hidden));
                    if (lstm) cNew.AsSpan(e * hidden, hidden).CopyTo(c.AsSpan(e * hidden, hidden));
                    hNew.AsSpan(e * hidden, hidden).CopyTo(y.AsSpan((Time(d, step, e) * b + e) * hidden, hidden));
                }
            }
        }
        return (Tensor.Wrap(y, [s, b, hidden]), Tensor.Wrap(h, [b, hidden]), lstm ? Tensor.Wrap(c, [b, hidden]) : null);
    }

    // The time step entry e reads at step 'step': reverse directions walk each entry back from its own last step.
    private int Time(int d, int step, int e)
    {
        if (!Reverse[d]) return step;
        int length = Lengths?[e] ?? Steps;
        return step < length ? length - 1 - step : step;
    }
}
