using System.Numerics.Tensors;

namespace Pare.Core.Autograd;

/// <summary>The few dense operations the tape itself needs: accumulating gradients and reducing a broadcast
/// gradient back to an input's shape. Kept here so that the tape does not depend on the op library.</summary>
public static class GradMath
{
    /// <summary>a + b for two float32 tensors of equal shape, as a new contiguous tensor.</summary>
    public static Tensor Add(Tensor a, Tensor b)
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);
        var result = a.Clone();
        AddInPlace(result, b);
        return result;
    }

    /// <summary>acc += g, where acc is contiguous float32 and g has acc's shape.</summary>
    public static void AddInPlace(Tensor acc, Tensor g)
    {
        ArgumentNullException.ThrowIfNull(acc);
        ArgumentNullException.ThrowIfNull(g);
        if (acc.Shape != g.Shape)
            throw new ArgumentException($"cannot accumulate a gradient of shape {g.Shape} into one of shape {acc.Shape}");
        var dst = acc.AsSpan<float>();
        if (g.IsContiguous) TensorPrimitives.Add(dst, g.AsSpan<float>(), dst);
        else TensorPrimitives.Add(dst, g.ToArray<float>(), dst);
    }

    /// <summary>Sums <paramref name="grad"/> over the dimensions that broadcasting expanded, so that the result has
    /// <paramref name="shape"/>. This is the backward of every broadcasting op.</summary>
    /// <param name="grad">gradient of the broadcast result</param>
    /// <param name="shape">shape of the input before broadcasting</param>
    public static Tensor SumToShape(Tensor grad, Shape shape)
    {
        ArgumentNullException.ThrowIfNull(grad);
        if (grad.Shape == shape) return grad;
        if (!grad.Shape.IsBroadcastableFrom(shape))
            throw new ArgumentException($"gradient of shape {grad.Shape} cannot be reduced to shape {shape}");
        // Walk the gradient in row-major order and add each element into the input position it came from:
        // the input's strides are its contiguous strides with 0 on broadcast (size-1 or missing) dimensions.
        int rank = grad.Rank, lead = rank - shape.Rank;
        var inStrides = shape.ContiguousStrides();
        var strides = new int[rank];
        for (int i = 0; i < shape.Rank; i++)
            strides[lead + i] = shape.Dims[i] == 1 ? 0 : inStrides[i];
        var result = new float[shape.ElementCount];
        var src = grad.IsContiguous ? grad.AsSpan<float>() : grad.ToArray<float>();
        AccumulateStrided(src, result, grad.Shape.Dims, strides);
        return Tensor.Wrap(result, shape);
    }

    // dst[Σ idx_k·stride_k] += src[i] over all multi-indices (row-major), the innermost axis as the loop body.
    private static void AccumulateStrided(ReadOnlySpan<float> src, Span<float> dst, ReadOnlySpan<int> dims, ReadOnlySpan<int> strides)
    {
        int rank = dims.Length, count = src.Length;
        if (count == 0) return;
        int inner = dims[rank - 1], innerStride = strides[rank - 1];
        Span<int> idx = stackalloc int[rank];
        idx.Clear();
        int at = 0;
        for (int o = 0; o < count; o += inner)
        {
            var row = src.Slice(o, inner);
            if (innerStride == 1) TensorPrimitives.Add(dst.Slice(at, inner), row, dst.Slice(at, inner));
            else if (innerStride == 0) dst[at] += TensorPrimitives.Sum(row);
            else for (int j = 0; j < inner; j++) dst[at + j * innerStride] += row[j];
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
