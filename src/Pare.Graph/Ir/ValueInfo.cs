namespace Pare.Graph;

/// <summary>A named value's declared type: element type and shape (null when the rank is unknown).</summary>
/// <param name="Name">value name, unique within its graph</param>
/// <param name="ElementType">declared element type</param>
/// <param name="Shape">declared dimensions, or null when not declared</param>
public sealed record ValueInfo(string Name, ElementType ElementType, IReadOnlyList<Dim>? Shape)
{
    /// <summary>Free-text documentation carried over from the model file.</summary>
    public string DocString { get; init; } = "";

    /// <summary>Shape as text, e.g. [batch,3,224,224].</summary>
    public string ShapeText => Shape is null ? "[?]" : "[" + string.Join(",", Shape) + "]";
}
