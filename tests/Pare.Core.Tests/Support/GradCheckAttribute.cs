namespace Pare.Core.Tests.Support;

/// <summary>Marks a test that checks the gradient of the named op(s) against finite differences. The
/// registry test requires one for every differentiable op.</summary>
[AttributeUsage(AttributeTargets.Method, AllowMultiple = true)]
public sealed class GradCheckAttribute(params string[] ops) : Attribute
{
    /// <summary>Op names covered.</summary>
    public string[] Ops { get; } = ops;
}
