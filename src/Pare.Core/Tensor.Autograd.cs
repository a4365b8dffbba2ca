using Pare.Core.Autograd;

namespace Pare.Core;

// Reverse-mode differentiation over the recorded GradNodes.
public sealed partial class Tensor
{
    /// <summary>Back-propagates from this tensor. Without <paramref name="gradOutput"/> the tensor must hold one
    /// element (a loss) and its gradient is 1. Gradients accumulate into <see cref="Grad"/> of every leaf that
    /// requires grad (call <see cref="ZeroGrad"/> or set Grad to null between steps).</summary>
    /// <param name="gradOutput">gradient with respect to this tensor, same shape</param>
    public void Backward(Tensor? gradOutput = null)
    {
        if (!RequiresGrad)
            throw new InvalidOperationException("Backward() on a tensor that does not require grad (no input of the computation requires grad)");
        if (gradOutput is null)
        {
            if (Count != 1)
                throw new ArgumentException($"Backward() without a gradient needs a one-element tensor; this one has shape {Shape}", nameof(gradOutput));
            gradOutput = Full(Shape, 1f);
        }
        else if (gradOutput.Shape != Shape || gradOutput.DType != DType.Float32)
        {
            throw new ArgumentException($"gradient of shape {gradOutput.Shape} ({gradOutput.DType.Name()}) given for a tensor of shape {Shape}", nameof(gradOutput));
        }

        using var _ = Tape.NoGrad();
        var grads = new Dictionary<Tensor, Tensor>(ReferenceEqualityComparer.Instance) { [this] = gradOutput };
        foreach (var t in TopologicalOrder(this))
        {
            if (!grads.Remove(t, out var dOut)) continue;
            if (t.GradFn is null)
            {
                AccumulateLeaf(t, dOut);
                continue;
            }
            var node = t.GradFn;
            var dInputs = node.Backward(dOut);
            for (int i = 0; i < node.Inputs.Count; i++)
            {
                var input = node.Inputs[i];
                var g = i < dInputs.Length ? dInputs[i] : null;
                if (!input.RequiresGrad || g is null) continue;
                if (g.Shape != input.Shape)
                    throw new InvalidOperationException($"backward of '{node.Op}' returned a gradient of shape {g.Shape} for input {i} of shape {input.Shape}");
                grads[input] = grads.TryGetValue(input, out var acc) ? GradMath.Add(acc, g) : g;
            }
        }
    }

    /// <summary>Sets <see cref="Grad"/> to null.</summary>
    public void ZeroGrad() => Grad = null;

    /// <summary>A tensor sharing this one's storage that is cut off from the tape (no grad).</summary>
    public Tensor Detach() => new(Storage, Shape, _strides, Offset);

    private static void AccumulateLeaf(Tensor leaf, Tensor g)
    {
        if (leaf.Grad is null)
            leaf.Grad = g.Clone(); // never alias a gradient another node may still hold
        else
            GradMath.AddInPlace(leaf.Grad, g);
    }

    // Nodes in reverse topological order (outputs before inputs), by an iterative DFS so that long chains
    // (an RNN unrolled over thousands of steps) cannot overflow the stack.
    private static List<Tensor> TopologicalOrder(Tensor root)
    {
        var order = new List<Tensor>();
        var visited = new HashSet<Tensor>(ReferenceEqualityComparer.Instance);
        var stack = new Stack<(Tensor Node, int Next)>();
        stack.Push((root, 0));
        visited.Add(root);
        while (stack.Count > 0)
        {
            var (node, next) = stack.Pop();
            var inputs = node.GradFn?.Inputs;
            if (inputs is not null && next < inputs.Count)
            {
                stack.Push((node, next + 1));
                var child = inputs[next];
                if (child.RequiresGrad && visited.Add(child)) stack.Push((child, 0));
                continue;
            }
            order.Add(node);
        }
        order.Reverse();
        return order;
    }
}
