using Pare.Core;

namespace Pare.Graph.Execution;

/// <summary>Checks fed inputs against a graph's declared inputs: count, element type, rank and fixed sizes.</summary>
internal static class InputCheck
{
    public static void Validate(ModelGraph graph, IReadOnlyList<Tensor> inputs)
    {
        if (inputs.Count != graph.Inputs.Count)
            throw new GraphException($"the model takes {graph.Inputs.Count} inputs ({string.Join(", ", graph.Inputs.Select(i => i.Name))}), got {inputs.Count}");
        for (var i = 0; i < inputs.Count; i++)
        {
            var declared = graph.Inputs[i];
            var given = inputs[i];
            if (declared.ElementType.ToDType() is { } dtype && dtype != given.DType)
                throw new GraphException($"input '{declared.Name}' must be {declared.ElementType}, got {given.DType.Name()}");
            if (declared.Shape is not { } shape) continue;
            if (shape.Count != given.Rank)
                throw new GraphException($"input '{declared.Name}' must have shape {declared.ShapeText}, got {given.Shape}");
            for (var d = 0; d < shape.Count; d++)
                if (shape[d].Value is { } size && size != given.Shape[d])
                    throw new GraphException($"input '{declared.Name}' must have shape {declared.ShapeText}, got {given.Shape}");
        }
    }
}
