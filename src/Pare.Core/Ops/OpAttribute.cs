namespace Pare.Core.Ops;

/// <summary>Marks a public method as the entry point of a registered op. Each op name is registered once; an op
/// that has no backward says so with <see cref="Differentiable"/> = false, and the registry's exhaustiveness
/// test requires a gradient check for every other op.</summary>
[AttributeUsage(AttributeTargets.Method, AllowMultiple = false)]
public sealed class OpAttribute(string name) : Attribute
{
    /// <summary>Registry name (snake_case, as PyTorch names the op).</summary>
    public string Name { get; } = name;

    /// <summary>False for ops with no gradient (argmax, comparisons, integer ops); true by default.</summary>
    public bool Differentiable { get; init; } = true;
}
