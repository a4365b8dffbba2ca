using System.Globalization;

namespace Pare.Graph.Analysis;

/// <summary>A value's concrete type as observed in one run: name, element type and dimensions.</summary>
/// <param name="Name">value name</param>
/// <param name="ElementType">element type</param>
/// <param name="Dims">dimensions (empty for a scalar)</param>
public sealed record ValueShape(string Name, ElementType ElementType, IReadOnlyList<int> Dims)
{
    /// <summary>Number of elements.</summary>
    public long ElementCount => Dims.Aggregate(1L, (a, d) => a * d);

    /// <summary>Dimensions as text, e.g. [1,3,224,224].</summary>
    public string DimsText => "[" + string.Join(",", Dims.Select(d => d.ToString(CultureInfo.InvariantCulture))) + "]";
}
