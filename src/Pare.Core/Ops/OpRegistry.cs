using System.Collections.Frozen;
using System.Reflection;

namespace Pare.Core.Ops;

/// <summary>One registered op: its name, whether it has a backward, and the method that runs it.</summary>
/// <param name="Name">registry name</param>
/// <param name="Differentiable">false when the op explicitly has no gradient</param>
/// <param name="Method">the public entry point</param>
public sealed record OpInfo(string Name, bool Differentiable, MethodInfo Method);

/// <summary>Every op of Pare.Core, discovered from <see cref="OpAttribute"/> marks. Tests enumerate it to demand
/// a gradient check for every differentiable op.</summary>
public static class OpRegistry
{
    private static readonly Lazy<FrozenDictionary<string, OpInfo>> Ops = new(Discover);

    /// <summary>All registered ops by name.</summary>
    public static FrozenDictionary<string, OpInfo> All => Ops.Value;

    private static FrozenDictionary<string, OpInfo> Discover()
    {
        var ops = new Dictionary<string, OpInfo>();
        const BindingFlags Flags = BindingFlags.Public | BindingFlags.Static | BindingFlags.Instance | BindingFlags.DeclaredOnly;
        foreach (var type in typeof(OpRegistry).Assembly.GetTypes())
        {
            foreach (var method in type.GetMethods(Flags))
            {
                if (method.GetCustomAttribute<OpAttribute>() is not { } op) continue;
                if (ops.TryGetValue(op.Name, out var existing))
                    throw new InvalidOperationException($"op '{op.Name}' is registered twice: {existing.Method.DeclaringType}.{existing.Method.Name} and {type}.{method.Name}");
                ops[op.Name] = new OpInfo(op.Name, op.Differentiable, method);
            }
        }
        return ops.ToFrozenDictionary();
    }
}
