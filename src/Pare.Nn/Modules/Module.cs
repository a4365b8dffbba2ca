using Pare.Graph.Building;
using System.Text;
using Pare.Core;

namespace Pare.Nn.Modules;

/// <summary>Base of all layers: named parameters, buffers and child modules forming a state dict keyed by dotted
/// names (as PyTorch's), and train/eval mode. Subclasses register their tensors in the constructor with
/// <c>nameof</c>, e.g. <c>Weight = Parameter(nameof(Weight), ...)</c>; the state-dict name is the snake_case
/// of the member name ("RunningMean" → "running_mean").</summary>
public abstract class Module
{
    private readonly List<(string Name, Tensor Tensor)> _parameters = [];
    private readonly List<(string Name, Tensor Tensor)> _buffers = [];
    private readonly List<(string Name, Module Module)> _children = [];

    /// <summary>True in training mode (dropout active, batch norm uses batch statistics).</summary>
    public bool Training { get; private set; } = true;

    /// <summary>Runs the layer.</summary>
    public abstract Tensor Forward(Tensor x);

    /// <summary>Switches this module and all children to training (true) or evaluation (false) mode.</summary>
    public Module Train(bool training = true)
    {
        Training = training;
        foreach (var (_, c) in _children) c.Train(training);
        return this;
    }

    /// <summary>Evaluation mode.</summary>
    public Module Eval() => Train(false);

    /// <summary>Registers a trainable tensor (float32, requires grad).</summary>
    protected Tensor Parameter(string memberName, Tensor value)
    {
        ArgumentNullException.ThrowIfNull(value);
        var t = value.IsContiguous && value.IsLeaf ? value : value.Detach().Clone();
        t.RequiresGrad = true;
        _parameters.Add((SnakeCase(memberName), t));
        return t;
    }

    /// <summary>Registers a non-trainable tensor saved with the model (running statistics, masks).</summary>
    protected Tensor Buffer(string memberName, Tensor value)
    {
        ArgumentNullException.ThrowIfNull(value);
        _buffers.Add((SnakeCase(memberName), value));
        return value;
    }

    /// <summary>Registers a child module under a name (member name or an index for sequences).</summary>
    protected T Child<T>(string name, T module) where T : Module
    {
        ArgumentNullException.ThrowIfNull(module);
        _children.Add((char.IsUpper(name[0]) ? SnakeCase(name) : name, module));
        return module;
    }

    /// <summary>Direct children with their names.</summary>
    public IReadOnlyList<(string Name, Module Module)> Children => _children;

    /// <summary>All parameters, depth first, with dotted names.</summary>
    public IEnumerable<(string Name, Tensor Tensor)> NamedParameters(string prefix = "")
    {
        foreach (var (n, t) in _parameters) yield return (prefix + n, t);
        foreach (var (n, c) in _children)
            foreach (var p in c.NamedParameters($"{prefix}{n}.")) yield return p;
    }

    /// <summary>All buffers, depth first, with dotted names.</summary>
    public IEnumerable<(string Name, Tensor Tensor)> NamedBuffers(string prefix = "")
    {
        foreach (var (n, t) in _buffers) yield return (prefix + n, t);
        foreach (var (n, c) in _children)
            foreach (var b in c.NamedBuffers($"{prefix}{n}.")) yield return b;
    }

    /// <summary>The parameters.</summary>
    public IEnumerable<Tensor> Parameters() => NamedParameters().Select(p => p.Tensor);

    /// <summary>Number of trainable scalars.</summary>
    public long ParameterCount => NamedParameters().Sum(p => (long)p.Tensor.Count);

    /// <summary>Parameters and buffers by dotted name (the tensors themselves, not copies).</summary>
    public Dictionary<string, Tensor> StateDict()
    {
        var d = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        foreach (var (n, t) in NamedParameters().Concat(NamedBuffers())) d[n] = t;
        return d;
    }

    /// <summary>Copies values into this module's parameters and buffers. Every name must be present with the same
    /// shape and dtype; otherwise nothing is copied and the exception lists every missing, unexpected and
    /// mismatched entry.</summary>
    public void LoadStateDict(IReadOnlyDictionary<string, Tensor> state)
    {
        ArgumentNullException.ThrowIfNull(state);
        var mine = StateDict();
        var problems = new StringBuilder();
        foreach (var (name, t) in mine)
        {
            if (!state.TryGetValue(name, out var s)) problems.AppendLine($"  missing: {name} {t.Shape} {t.DType.Name()}");
            else if (s.Shape != t.Shape || s.DType != t.DType)
                problems.AppendLine($"  mismatch: {name} is {s.Shape} {s.DType.Name()} in the checkpoint, {t.Shape} {t.DType.Name()} in the model");
        }
        foreach (var name in state.Keys.Where(k => !mine.ContainsKey(k)).Order(StringComparer.Ordinal))
            problems.AppendLine($"  unexpected: {name} {state[name].Shape} {state[name].DType.Name()}");
        if (problems.Length > 0) throw new ArgumentException($"state dict does not fit the model:{Environment.NewLine}{problems}");
        foreach (var (name, t) in mine) state[name].CopyTo(t);
    }

    /// <summary>"RunningMean" → "running_mean"; names already lower-case are kept.</summary>
    public static string SnakeCase(string name)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        var sb = new StringBuilder(name.Length + 4);
        for (int i = 0; i < name.Length; i++)
        {
            char c = name[i];
            if (char.IsUpper(c))
            {
                if (i > 0 && (char.IsLower(name[i - 1]) || (i + 1 < name.Length && char.IsLower(name[i + 1])))) sb.Append('_');
                sb.Append(char.ToLowerInvariant(c));
            }
            else
            {
                sb.Append(c);
            }
        }
        return sb.ToString();
    }

    /// <summary>Adds this layer's inference computation to <paramref name="g"/>, reading value
    /// <paramref name="input"/>; returns the output value's name. Layers without an ONNX form say so.</summary>
    public virtual string Export(GraphBuilder g, string input) =>
        throw new PareException($"{GetType().Name} has no ONNX export yet");

    /// <summary>Enters <paramref name="child"/>'s name scope in <paramref name="g"/>; dispose to leave.</summary>
    protected IDisposable EnterChild(GraphBuilder g, Module child)
    {
        ArgumentNullException.ThrowIfNull(g);
        return g.Enter(_children.First(c => ReferenceEquals(c.Module, child)).Name);
    }

    /// <summary>Runs <paramref name="export"/> (a child's export method) inside <paramref name="child"/>'s name scope.</summary>
    protected string ExportChild<T>(GraphBuilder g, T child, string input, Func<GraphBuilder, string, string> export) where T : Module
    {
        using (EnterChild(g, child)) return export(g, input);
    }

    /// <summary>Exports <paramref name="child"/> inside its own name scope (so its weights get their state-dict names).</summary>
    protected string ExportChild(GraphBuilder g, Module child, string input)
    {
        ArgumentNullException.ThrowIfNull(g);
        var name = _children.First(c => ReferenceEquals(c.Module, child)).Name;
        using (g.Enter(name)) return child.Export(g, input);
    }
}
