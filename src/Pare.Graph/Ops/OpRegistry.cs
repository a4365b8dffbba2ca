using System.Collections.Frozen;
using System.Reflection;
using Pare.Core;

namespace Pare.Graph.Ops;

/// <summary>Runs one node: reads inputs and attributes from the context, returns the outputs in order (null for an
/// omitted optional output).</summary>
public delegate Tensor?[] OpKernel(OpContext context);

/// <summary>One registered op kernel.</summary>
/// <param name="OpType">ONNX op type</param>
/// <param name="Domain">ONNX domain ("" = default)</param>
/// <param name="SinceVersion">oldest opset the kernel implements</param>
/// <param name="Run">the kernel</param>
public sealed record OpDefinition(string OpType, string Domain, int SinceVersion, OpKernel Run);

/// <summary>Every graph op kernel, discovered from <see cref="OnnxOpAttribute"/> marks in this assembly.</summary>
public static class OpRegistry
{
    private static readonly Lazy<FrozenDictionary<(string, string), OpDefinition>> Ops = new(Discover);

    /// <summary>All registered kernels by (domain, op type).</summary>
    public static FrozenDictionary<(string Domain, string OpType), OpDefinition> All => Ops.Value;

    /// <summary>The kernel of (domain, op type), or null when Pare has none.</summary>
    public static OpDefinition? Find(string domain, string opType) =>
        All.GetValueOrDefault((domain == "ai.onnx" ? "" : domain, opType));

    /// <summary>The kernel for <paramref name="node"/> at <paramref name="opset"/>, or an
    /// <see cref="UnsupportedOpException"/> naming the node.</summary>
    public static OpDefinition Resolve(Node node, long opset)
    {
        var op = Find(node.Domain, node.OpType)
            ?? throw new UnsupportedOpException($"node '{node.Name}': op {node.QualifiedOpType} is not supported");
        if (opset < op.SinceVersion)
            throw new UnsupportedOpException($"node '{node.Name}': op {node.QualifiedOpType} needs opset ≥ {op.SinceVersion}, the model declares {opset}");
        return op;
    }

    private static FrozenDictionary<(string, string), OpDefinition> Discover()
    {
        var ops = new Dictionary<(string, string), OpDefinition>();
        const BindingFlags Flags = BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Static | BindingFlags.DeclaredOnly;
        foreach (var type in typeof(OpRegistry).Assembly.GetTypes())
        {
            foreach (var method in type.GetMethods(Flags))
            {
                foreach (var mark in method.GetCustomAttributes<OnnxOpAttribute>())
                {
                    var key = (mark.Domain, mark.OpType);
                    if (ops.TryGetValue(key, out var existing))
                        throw new InvalidOperationException($"op {mark.Domain}:{mark.OpType} is registered twice ({type.Name}.{method.Name} and {existing.Run.Method.DeclaringType?.Name}.{existing.Run.Method.Name})");
                    ops[key] = new OpDefinition(mark.OpType, mark.Domain, mark.SinceVersion, method.CreateDelegate<OpKernel>());
                }
            }
        }
        return ops.ToFrozenDictionary();
    }
}
