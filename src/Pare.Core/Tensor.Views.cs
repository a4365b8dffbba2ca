using Pare.Core.Autograd;
using Pare.Core.Ops;

namespace Pare.Core;

// Views: new shape/strides over the same storage, no copy. Each is differentiable; the backward maps the
// output gradient back to the input's layout.
public sealed partial class Tensor
{
    /// <summary>A contiguous tensor with the same values: this one when already contiguous, else a copy.</summary>
    [Op("contiguous")]
    public Tensor Contiguous()
    {
        if (IsContiguous) return this;
        var result = Clone();
        return Tape.Record(result, "contiguous", [this], d => [d]);
    }

    /// <summary>The same elements in a new shape (one size may be -1 and is inferred). A view when the layout
    /// allows, else a copy, like torch.reshape.</summary>
    [Op("reshape")]
    public Tensor Reshape(params int[] shape)
    {
        ArgumentNullException.ThrowIfNull(shape);
        var target = InferShape(shape);
        if (target == Shape) return this;
        var source = IsContiguous ? this : Contiguous();
        var view = new Tensor(source.Storage, target, target.ContiguousStrides(), source.Offset);
        var inputShape = Shape;
        return Tape.Record(view, "reshape", [this], d => [d.Reshape(inputShape.Dims.ToArray())]);
    }

    /// <summary>Flattens dimensions <paramref name="startAxis"/>..<paramref name="endAxis"/> into one.</summary>
    public Tensor Flatten(int startAxis = 0, int endAxis = -1)
    {
        if (Rank == 0) return Reshape(1);
        int s = Shape.NormalizeAxis(startAxis), e = Shape.NormalizeAxis(endAxis);
        if (s > e) throw new ArgumentException($"flatten: start axis {startAxis} is after end axis {endAxis} for shape {Shape}");
        var dims = new List<int>();
        for (int i = 0; i < s; i++) dims.Add(Shape.Dims[i]);
        int prod = 1;
        for (int i = s; i <= e; i++) prod *= Shape.Dims[i];
        dims.Add(prod);
        for (int i = e + 1; i < Rank; i++) dims.Add(Shape.Dims[i]);
        return Reshape([.. dims]);
    }

    /// <summary>Reorders the dimensions: output dimension i is input dimension <paramref name="axes"/>[i].</summary>
    [Op("permute")]
    public Tensor Permute(params int[] axes)
    {
        ArgumentNullException.ThrowIfNull(axes);
        if (axes.Length != Rank)
            throw new ArgumentException($"permute: {axes.Length} axes given for shape {Shape} of rank {Rank}");
        var seen = new bool[Rank];
        var dims = new int[Rank];
        var strides = new int[Rank];
        var normalized = new int[Rank];
        for (int i = 0; i < Rank; i++)
        {
            int a = Shape.NormalizeAxis(axes[i]);
            if (seen[a]) throw new ArgumentException($"permute: axis {axes[i]} repeated in ({string.Join(", ", axes)})");
            seen[a] = true;
            normalized[i] = a;
            dims[i] = Shape.Dims[a];
            strides[i] = _strides[a];
        }
        var view = new Tensor(Storage, Shape.Own(dims), strides, Offset);
        var inverse = new int[Rank];
        for (int i = 0; i < Rank; i++) inverse[normalized[i]] = i;
        return Tape.Record(view, "permute", [this], d => [d.Permute(inverse)]);
    }

    /// <summary>Swaps two dimensions (a view).</summary>
    public Tensor Transpose(int axis0, int axis1)
    {
        var axes = new int[Rank];
        for (int i = 0; i < Rank; i++) axes[i] = i;
        int a = Shape.NormalizeAxis(axis0), b = Shape.NormalizeAxis(axis1);
        (axes[a], axes[b]) = (axes[b], axes[a]);
        return Permute(axes);
    }

    /// <summary>Elements start, start+step, ... below end along <paramref name="axis"/> (negative start/end count
    /// from the end and are clamped like Python slices; step ≥ 1). A view.</summary>
    [Op("slice")]
    public Tensor Slice(int axis, int start, int end, int step = 1)
    {
        int a = Shape.NormalizeAxis(axis);
        if (step < 1) throw new ArgumentException($"slice: step {step} must be at least 1", nameof(step));
        int n = Shape.Dims[a];
        int s = Math.Clamp(start < 0 ? start + n : start, 0, n);
        int e = Math.Clamp(end < 0 ? end + n : end, 0, n);
        int len = e > s ? (e - s + step - 1) / step : 0;
        var dims = Shape.Dims.ToArray();
        var strides = _strides.ToArray();
        dims[a] = len;
        strides[a] = _strides[a] * step;
        var view = new Tensor(Storage, Shape.Own(dims), strides, Offset + (len > 0 ? s * _strides[a] : 0));
        var inputShape = Shape;
        return Tape.Record(view, "slice", [this], d =>
        {
            var full = Zeros(inputShape);
            var target = full.Slice(a, s, e, step);
            d.CopyTo(target);
            return [full];
        });
    }

    /// <summary>Broadcasts size-1 dimensions (and new leading ones) to <paramref name="shape"/> with stride 0;
    /// a view. -1 keeps a dimension.</summary>
    [Op("expand")]
    public Tensor Expand(params int[] shape)
    {
        ArgumentNullException.ThrowIfNull(shape);
        if (shape.Length < Rank)
            throw new ArgumentException($"expand: target ({string.Join(", ", shape)}) has fewer dimensions than shape {Shape}");
        int lead = shape.Length - Rank;
        var dims = new int[shape.Length];
        var strides = new int[shape.Length];
        for (int i = 0; i < shape.Length; i++)
        {
            int src = i < lead ? 1 : Shape.Dims[i - lead];
            int want = shape[i] == -1 && i >= lead ? src : shape[i];
            if (want < 0 || (src != want && src != 1))
                throw new ArgumentException($"expand: shape {Shape} cannot be expanded to ({string.Join(", ", shape)})");
            dims[i] = want;
            strides[i] = i < lead || src != want ? 0 : _strides[i - lead];
        }
        var target = Shape.Own(dims);
        if (target == Shape) return this;
        var view = new Tensor(Storage, target, strides, Offset);
        var inputShape = Shape;
        return Tape.Record(view, "expand", [this], d => [GradMath.SumToShape(d, inputShape)]);
    }

    /// <summary>Expands to <paramref name="shape"/> following NumPy broadcasting rules.</summary>
    public Tensor BroadcastTo(Shape shape) => Expand(shape.Dims.ToArray());

    /// <summary>Removes size-1 dimensions: the given ones (each must have size 1), or all when none are given.</summary>
    [Op("squeeze")]
    public Tensor Squeeze(params int[] axes)
    {
        ArgumentNullException.ThrowIfNull(axes);
        var drop = new bool[Rank];
        if (axes.Length == 0)
        {
            for (int i = 0; i < Rank; i++) drop[i] = Shape.Dims[i] == 1;
        }
        else
        {
            foreach (int axis in axes)
            {
                int a = Shape.NormalizeAxis(axis);
                if (Shape.Dims[a] != 1) throw new ArgumentException($"squeeze: axis {axis} of shape {Shape} has size {Shape.Dims[a]}, not 1");
                drop[a] = true;
            }
        }
        var dims = new List<int>();
        var strides = new List<int>();
        for (int i = 0; i < Rank; i++)
        {
            if (drop[i]) continue;
            dims.Add(Shape.Dims[i]);
            strides.Add(_strides[i]);
        }
        var view = new Tensor(Storage, Shape.Own([.. dims]), [.. strides], Offset);
        var inputShape = Shape;
        return Tape.Record(view, "squeeze", [this], d => [d.Reshape(inputShape.Dims.ToArray())]);
    }

    /// <summary>Inserts a size-1 dimension at <paramref name="axis"/> (in [-(rank+1), rank]).</summary>
    [Op("unsqueeze")]
    public Tensor Unsqueeze(int axis)
    {
        int a = axis < 0 ? axis + Rank + 1 : axis;
        if ((uint)a > (uint)Rank)
            throw new ArgumentOutOfRangeException(nameof(axis), axis, $"unsqueeze: axis {axis} is out of range for shape {Shape} of rank {Rank}");
        var dims = new List<int>(Shape.Dims.ToArray());
        var strides = new List<int>(_strides);
        dims.Insert(a, 1);
        strides.Insert(a, a < Rank ? _strides[a] * Shape.Dims[a] : 1);
        var view = new Tensor(Storage, Shape.Own([.. dims]), [.. strides], Offset);
        var inputShape = Shape;
        return Tape.Record(view, "unsqueeze", [this], d => [d.Reshape(inputShape.Dims.ToArray())]);
    }

    /// <summary>Copies this tensor's values into <paramref name="destination"/> (same shape and dtype, any
    /// strides). Not recorded: the destination is written in place.</summary>
    public void CopyTo(Tensor destination)
    {
        ArgumentNullException.ThrowIfNull(destination);
        if (destination.Shape != Shape || destination.DType != DType)
            throw new ArgumentException($"copy: source {Shape} {DType.Name()} does not match destination {destination.Shape} {destination.DType.Name()}");
        switch (DType)
        {
            case DType.Float32: CopyTyped<float>(destination); break;
            case DType.Int8: CopyTyped<sbyte>(destination); break;
            case DType.UInt8: CopyTyped<byte>(destination); break;
            case DType.Int32: CopyTyped<int>(destination); break;
            case DType.Int64: CopyTyped<long>(destination); break;
            case DType.Bool: CopyTyped<bool>(destination); break;
        }
    }

    private void CopyTyped<T>(Tensor destination) where T : unmanaged
    {
        var values = IsContiguous ? AsSpan<T>() : ToArray<T>();
        StridedCopy.Scatter<T>(values, destination.TypedStorage<T>().Span, destination.Offset, destination.Shape.Dims, destination._strides);
    }

    private Shape InferShape(int[] shape)
    {
        int infer = -1;
        long known = 1;
        for (int i = 0; i < shape.Length; i++)
        {
            if (shape[i] == -1)
            {
                if (infer >= 0) throw new ArgumentException($"reshape: more than one -1 in ({string.Join(", ", shape)})");
                infer = i;
            }
            else if (shape[i] < 0)
            {
                throw new ArgumentException($"reshape: negative size in ({string.Join(", ", shape)})");
            }
            else
            {
                known *= shape[i];
                if (known > Array.MaxLength) throw new ArgumentException($"reshape: ({string.Join(", ", shape)}) holds too many elements");
            }
        }
        var dims = shape.ToArray();
        if (infer >= 0)
        {
            if (known == 0 || Count % known != 0)
                throw new ArgumentException($"reshape: cannot infer -1 in ({string.Join(", ", shape)}) for {Count} elements of shape {Shape}");
            dims[infer] = (int)(Count / known);
        }
        var target = new Shape(dims);
        if (target.ElementCount != Count)
            throw new ArgumentException($"reshape: shape {Shape} ({Count} elements) cannot become {target} ({target.ElementCount} elements)");
        return target;
    }
}
