using Pare.Core;

namespace Pare.Nn.Optim;

/// <summary>Parameters that share a learning rate and weight decay (e.g. no decay on biases and norms).</summary>
/// <param name="Parameters">the tensors to update, by their state-dict names</param>
public sealed class ParameterGroup(IReadOnlyList<(string Name, Tensor Tensor)> Parameters)
{
    /// <summary>The tensors to update, by their state-dict names.</summary>
    public IReadOnlyList<(string Name, Tensor Tensor)> Parameters { get; } = Parameters;

    /// <summary>Learning rate; null uses the optimizer's. Schedules set it every step.</summary>
    public float? LearningRate { get; set; }

    /// <summary>Weight decay; null uses the optimizer's.</summary>
    public float? WeightDecay { get; init; }
}
