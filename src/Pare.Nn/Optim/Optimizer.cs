using Pare.Core;

namespace Pare.Nn.Optim;

/// <summary>Base of the optimizers: parameter groups, per-parameter state buffers by name (so they can be saved in
/// a checkpoint), zeroing gradients, and the step that each optimizer defines on spans.</summary>
public abstract class Optimizer
{
    private readonly Dictionary<string, Tensor> _state = new(StringComparer.Ordinal);

    /// <summary>Creates an optimizer over parameter groups.</summary>
    protected Optimizer(IReadOnlyList<ParameterGroup> groups, float learningRate, float weightDecay)
    {
        ArgumentNullException.ThrowIfNull(groups);
        if (!(learningRate >= 0)) throw new ArgumentOutOfRangeException(nameof(learningRate), learningRate, "learning rate must be ≥ 0");
        if (!(weightDecay >= 0)) throw new ArgumentOutOfRangeException(nameof(weightDecay), weightDecay, "weight decay must be ≥ 0");
        Groups = groups;
        LearningRate = learningRate;
        WeightDecay = weightDecay;
        foreach (var g in groups)
            foreach (var (name, p) in g.Parameters)
                if (p.DType != DType.Float32 || !p.IsContiguous)
                    throw new ArgumentException($"parameter '{name}' must be a contiguous float32 tensor");
    }

    /// <summary>The parameter groups.</summary>
    public IReadOnlyList<ParameterGroup> Groups { get; }

    /// <summary>Default learning rate of groups that set none.</summary>
    public float LearningRate { get; set; }

    /// <summary>Default weight decay of groups that set none.</summary>
    public float WeightDecay { get; }

    /// <summary>Number of steps taken.</summary>
    public long Steps { get; private set; }

    /// <summary>Sets every parameter's gradient to null.</summary>
    public void ZeroGrad()
    {
        foreach (var g in Groups)
            foreach (var (_, p) in g.Parameters) p.Grad = null;
    }

    /// <summary>Updates every parameter that has a gradient.</summary>
    public void Step()
    {
        Steps++;
        foreach (var g in Groups)
        {
            float lr = g.LearningRate ?? LearningRate, wd = g.WeightDecay ?? WeightDecay;
            foreach (var (name, p) in g.Parameters)
            {
                if (p.Grad is null) continue;
                var grad = p.Grad.IsContiguous ? p.Grad.AsSpan<float>() : p.Grad.ToArray<float>();
                Update(name, p.AsSpan<float>(), grad, lr, wd);
            }
        }
    }

    /// <summary>One update of parameter <paramref name="name"/>.</summary>
    /// <param name="name">state-dict name (key of its state buffers)</param>
    /// <param name="p">parameter values, updated in place</param>
    /// <param name="grad">gradient, same length</param>
    /// <param name="lr">learning rate of its group</param>
    /// <param name="weightDecay">weight decay of its group</param>
    protected abstract void Update(string name, Span<float> p, ReadOnlySpan<float> grad, float lr, float weightDecay);

    /// <summary>A zero-initialized state buffer of <paramref name="length"/> floats, created on first use.</summary>
    protected Span<float> State(string parameter, string buffer, int length)
    {
        var key = $"{parameter}.{buffer}";
        if (!_state.TryGetValue(key, out var t))
        {
            t = Tensor.Zeros([length]);
            _state[key] = t;
        }
        return t.AsSpan<float>();
    }

    /// <summary>The optimizer state for a checkpoint: buffers by "param.buffer" name plus the step count.</summary>
    public Dictionary<string, Tensor> StateDict()
    {
        var d = new Dictionary<string, Tensor>(_state, StringComparer.Ordinal) { ["step"] = Tensor.FromSpan<long>([Steps], [1]) };
        return d;
    }

    /// <summary>Restores state saved by <see cref="StateDict"/>; buffer lengths must match the parameters.</summary>
    public void LoadStateDict(IReadOnlyDictionary<string, Tensor> state)
    {
        ArgumentNullException.ThrowIfNull(state);
        var lengths = Groups.SelectMany(g => g.Parameters).ToDictionary(p => p.Name, p => p.Tensor.Count, StringComparer.Ordinal);
        _state.Clear();
        foreach (var (key, t) in state)
        {
            if (key == "step")
            {
                Steps = (long)t.To(DType.Int64).ToArray<long>()[0];
                continue;
            }
            int dot = key.LastIndexOf('.');
            if (dot < 0 || !lengths.TryGetValue(key[..dot], out int n))
                throw new ArgumentException($"optimizer state '{key}' belongs to no parameter of this optimizer");
            if (t.Count != n || t.DType != DType.Float32)
                throw new ArgumentException($"optimizer state '{key}' has shape {t.Shape} {t.DType.Name()}, expected ({n},) float32");
            _state[key] = t.Reshape(n).Clone();
        }
    }
}
