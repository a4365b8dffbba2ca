using System.Reflection;
using Pare.Core.Ops;
using Pare.Core.Tests.Support;

namespace Pare.Core.Tests.Ops;

public class OpRegistryTests
{
    [Fact]
    public void Every_differentiable_op_has_a_gradient_check()
    {
        var checkedOps = typeof(OpRegistryTests).Assembly.GetTypes()
            .SelectMany(t => t.GetMethods())
            .SelectMany(m => m.GetCustomAttributes<GradCheckAttribute>())
            .SelectMany(a => a.Ops)
            .ToHashSet();
        var missing = OpRegistry.All.Values.Where(op => op.Differentiable && !checkedOps.Contains(op.Name)).Select(op => op.Name).Order().ToList();
        Assert.True(missing.Count == 0, $"differentiable ops without a gradient check: {string.Join(", ", missing)}");
    }

    [Fact]
    public void Gradient_checks_name_only_registered_differentiable_ops()
    {
        var named = typeof(OpRegistryTests).Assembly.GetTypes()
            .SelectMany(t => t.GetMethods())
            .SelectMany(m => m.GetCustomAttributes<GradCheckAttribute>())
            .SelectMany(a => a.Ops)
            .Distinct();
        var unknown = named.Where(n => !OpRegistry.All.TryGetValue(n, out var op) || !op.Differentiable).ToList();
        Assert.True(unknown.Count == 0, $"gradient checks for ops that are not registered as differentiable: {string.Join(", ", unknown)}");
    }

    [Fact]
    public void Registry_holds_the_view_ops()
    {
        foreach (var name in new[] { "reshape", "permute", "slice", "expand", "squeeze", "unsqueeze", "contiguous" })
            Assert.True(OpRegistry.All.ContainsKey(name), name);
    }
}
