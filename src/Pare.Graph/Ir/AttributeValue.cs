using Pare.Core;

namespace Pare.Graph;

/// <summary>The kinds of node attribute, numbered as ONNX's <c>AttributeProto.AttributeType</c>.</summary>
public enum AttributeKind
{
    /// <summary>Not set.</summary>
    Undefined = 0,
    /// <summary>One float.</summary>
    Float = 1,
    /// <summary>One int64.</summary>
    Int = 2,
    /// <summary>One string.</summary>
    String = 3,
    /// <summary>One tensor.</summary>
    Tensor = 4,
    /// <summary>One subgraph.</summary>
    Graph = 5,
    /// <summary>A list of floats.</summary>
    Floats = 6,
    /// <summary>A list of int64.</summary>
    Ints = 7,
    /// <summary>A list of strings.</summary>
    Strings = 8,
    /// <summary>A list of tensors.</summary>
    Tensors = 9,
    /// <summary>A list of subgraphs.</summary>
    Graphs = 10,
    /// <summary>A sparse tensor (kept for round trips, not run).</summary>
    SparseTensor = 11,
    /// <summary>A type (kept for round trips, not run).</summary>
    TypeProto = 13,
    /// <summary>A list of sparse tensors.</summary>
    SparseTensors = 12,
    /// <summary>A list of types.</summary>
    TypeProtos = 14,
}

/// <summary>One attribute value; exactly the field matching <see cref="Kind"/> is set.</summary>
public sealed record AttributeValue(AttributeKind Kind)
{
    /// <summary>Value of a Float attribute.</summary>
    public float F { get; init; }
    /// <summary>Value of an Int attribute.</summary>
    public long I { get; init; }
    /// <summary>Value of a String attribute.</summary>
    public string S { get; init; } = "";
    /// <summary>Value of a Tensor attribute.</summary>
    public Tensor? T { get; init; }
    /// <summary>Value of a Graph attribute.</summary>
    public ModelGraph? G { get; init; }
    /// <summary>Value of a Floats attribute.</summary>
    public float[] Floats { get; init; } = [];
    /// <summary>Value of an Ints attribute.</summary>
    public long[] Ints { get; init; } = [];
    /// <summary>Value of a Strings attribute.</summary>
    public string[] Strings { get; init; } = [];
    /// <summary>Value of a Tensors attribute.</summary>
    public Tensor[] Tensors { get; init; } = [];
    /// <summary>Value of a Graphs attribute.</summary>
    public ModelGraph[] Graphs { get; init; } = [];
    /// <summary>Serialized bytes of an attribute kind Pare keeps but does not interpret (sparse tensors, types).</summary>
    public byte[] Opaque { get; init; } = [];

    /// <summary>A float attribute.</summary>
    public static AttributeValue Of(float value) => new(AttributeKind.Float) { F = value };
    /// <summary>An int attribute.</summary>
    public static AttributeValue Of(long value) => new(AttributeKind.Int) { I = value };
    /// <summary>A string attribute.</summary>
    public static AttributeValue Of(string value) => new(AttributeKind.String) { S = value };
    /// <summary>A tensor attribute.</summary>
    public static AttributeValue Of(Tensor value) => new(AttributeKind.Tensor) { T = value };
    /// <summary>A subgraph attribute.</summary>
    public static AttributeValue Of(ModelGraph value) => new(AttributeKind.Graph) { G = value };
    /// <summary>A floats attribute.</summary>
    public static AttributeValue Of(float[] value) => new(AttributeKind.Floats) { Floats = value };
    /// <summary>An ints attribute.</summary>
    public static AttributeValue Of(long[] value) => new(AttributeKind.Ints) { Ints = value };
    /// <summary>A strings attribute.</summary>
    public static AttributeValue Of(string[] value) => new(AttributeKind.Strings) { Strings = value };
}
