namespace Pare.Graph;

/// <summary>One dimension of a declared shape: a fixed size, a named symbolic size ("batch"), or unknown.</summary>
/// <param name="Value">the size when fixed</param>
/// <param name="Param">the symbol when symbolic</param>
public readonly record struct Dim(long? Value, string? Param = null)
{
    /// <summary>A fixed size.</summary>
    public static Dim Of(long value) => new(value);

    /// <summary>A named symbolic size.</summary>
    public static Dim Symbol(string name) => new(null, name);

    /// <summary>An unknown size.</summary>
    public static Dim Unknown => default;

    /// <summary>True when the size is a fixed number.</summary>
    public bool IsFixed => Value.HasValue;

    /// <inheritdoc/>
    public override string ToString() => Value?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? Param ?? "?";
}
