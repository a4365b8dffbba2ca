namespace Pare.Graph.Analysis;

/// <summary>Fills in the declared shape of graph outputs that have none (ONNX checkers require one), by running the
/// model on zeros twice — every symbolic input dimension bound to 1, then to 2. An output dimension that stays
/// fixed is declared fixed; one that follows the binding is declared symbolic ("&lt;output&gt;_d&lt;axis&gt;").</summary>
public static class OutputShapes
{
    /// <summary>Declares the shapes of <paramref name="model"/>'s outputs that are undeclared.</summary>
    public static void Declare(Model model)
    {
        ArgumentNullException.ThrowIfNull(model);
        var graph = model.Graph;
        if (graph.Outputs.All(o => o.Shape is not null)) return;
        var symbols = graph.Inputs.SelectMany(i => i.Shape ?? []).Where(d => d.Param is not null).Select(d => d.Param!).Distinct().ToList();
        var small = ModelAnalyzer.Analyze(model, symbols.ToDictionary(s => s, _ => 1L)).Outputs;
        var large = ModelAnalyzer.Analyze(model, symbols.ToDictionary(s => s, _ => 2L)).Outputs;
        for (var i = 0; i < graph.Outputs.Count; i++)
        {
            var output = graph.Outputs[i];
            if (output.Shape is not null) continue;
            var a = small[i].Dims;
            var b = large[i].Dims;
            var dims = a.Select((d, axis) => d == b[axis] ? Dim.Of(d) : Dim.Symbol($"{output.Name}_d{axis}")).ToList();
            graph.Outputs[i] = output with { ElementType = small[i].ElementType, Shape = dims };
        }
    }
}
