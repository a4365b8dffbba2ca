namespace Pare.Core.Kernels.Reduce;

/// <summary>The associative reductions <see cref="Reduction"/> runs.</summary>
public enum ReduceKind
{
    /// <summary>Σ x (0 over an empty range).</summary>
    Sum,

    /// <summary>max x; NaN when any element is NaN.</summary>
    Max,

    /// <summary>min x; NaN when any element is NaN.</summary>
    Min,
}
