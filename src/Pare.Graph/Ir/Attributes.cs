using System.Collections;
using Pare.Core;

namespace Pare.Graph;

/// <summary>A node's attributes by name, with typed getters whose errors name the node and the attribute.</summary>
public sealed class Attributes : IEnumerable<KeyValuePair<string, AttributeValue>>
{
    private readonly Dictionary<string, AttributeValue> _values = new(StringComparer.Ordinal);
    private readonly Node _owner;

    internal Attributes(Node owner) => _owner = owner;

    /// <summary>Number of attributes.</summary>
    public int Count => _values.Count;

    /// <summary>Sets (or replaces) an attribute.</summary>
    public void Set(string name, AttributeValue value) => _values[name] = value;

    /// <summary>Removes an attribute; false when it was absent.</summary>
    public bool Remove(string name) => _values.Remove(name);

    /// <summary>True when the attribute is present.</summary>
    public bool Has(string name) => _values.ContainsKey(name);

    /// <summary>The attribute, or null when absent.</summary>
    public AttributeValue? Find(string name) => _values.GetValueOrDefault(name);

    /// <summary>An int attribute, or <paramref name="fallback"/> when absent.</summary>
    public long Int(string name, long fallback) => Find(name) is { } v ? Expect(name, v, AttributeKind.Int).I : fallback;

    /// <summary>A required int attribute.</summary>
    public long Int(string name) => Expect(name, Required(name), AttributeKind.Int).I;

    /// <summary>A float attribute, or <paramref name="fallback"/> when absent.</summary>
    public float Float(string name, float fallback) => Find(name) is { } v ? Expect(name, v, AttributeKind.Float).F : fallback;

    /// <summary>A string attribute, or <paramref name="fallback"/> when absent.</summary>
    public string String(string name, string fallback) => Find(name) is { } v ? Expect(name, v, AttributeKind.String).S : fallback;

    /// <summary>An ints attribute, or null when absent.</summary>
    public long[]? Ints(string name) => Find(name) is { } v ? Expect(name, v, AttributeKind.Ints).Ints : null;

    /// <summary>A floats attribute, or null when absent.</summary>
    public float[]? Floats(string name) => Find(name) is { } v ? Expect(name, v, AttributeKind.Floats).Floats : null;

    /// <summary>A strings attribute, or null when absent.</summary>
    public string[]? Strings(string name) => Find(name) is { } v ? Expect(name, v, AttributeKind.Strings).Strings : null;

    /// <summary>A tensor attribute, or null when absent.</summary>
    public Tensor? Tensor(string name) => Find(name) is { } v ? Expect(name, v, AttributeKind.Tensor).T : null;

    /// <summary>A required subgraph attribute.</summary>
    public ModelGraph Graph(string name) => Expect(name, Required(name), AttributeKind.Graph).G!;

    /// <summary>An ints attribute converted to int with a range check, or null when absent.</summary>
    public int[]? IntArray(string name)
    {
        var values = Ints(name);
        if (values is null) return null;
        var result = new int[values.Length];
        for (var i = 0; i < values.Length; i++)
            result[i] = values[i] is >= int.MinValue and <= int.MaxValue
                ? (int)values[i]
                : throw GraphException.At(_owner, $"attribute '{name}'[{i}] = {values[i]} is out of range");
        return result;
    }

    /// <summary>An int attribute converted to int with a range check.</summary>
    public int Int32(string name, int fallback)
    {
        var value = Int(name, fallback);
        return value is >= int.MinValue and <= int.MaxValue
            ? (int)value
            : throw GraphException.At(_owner, $"attribute '{name}' = {value} is out of range");
    }

    private AttributeValue Required(string name) =>
        Find(name) ?? throw GraphException.At(_owner, $"required attribute '{name}' is missing");

    private AttributeValue Expect(string name, AttributeValue value, AttributeKind kind) =>
        value.Kind == kind ? value : throw GraphException.At(_owner, $"attribute '{name}' is {value.Kind}, expected {kind}");

    /// <inheritdoc/>
    public IEnumerator<KeyValuePair<string, AttributeValue>> GetEnumerator() => _values.GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
}
