using Pare.Core;

namespace Pare.Graph.Ops.Onnx;

/// <summary>If and Loop: subgraphs run through <see cref="OpContext.RunSubgraph"/>, which lets them read every value
/// of the enclosing graphs. Values pass through unchanged, so float32 results keep their gradient history.</summary>
internal static class ControlFlow
{
    [OnnxOp("If")]
    public static Tensor?[] If(OpContext c)
    {
        var branch = c.Attributes.Graph(Bool(c, c.Input(0), "cond") ? "then_branch" : "else_branch");
        if (branch.Inputs.Count != 0) throw c.Fail($"branch '{branch.Name}' declares {branch.Inputs.Count} inputs, expected none");
        var outputs = c.RunSubgraph(branch, []);
        if (outputs.Count != c.OutputCount)
            throw c.Fail($"branch '{branch.Name}' produces {outputs.Count} outputs, the node declares {c.OutputCount}");
        return [.. outputs];
    }

    /// <summary>Loop(M, cond, v_initial…): runs body(i, cond, v…) → (cond, v…, scan…) while i &lt; M and cond hold
    /// (either may be omitted); returns the final v… and each scan output stacked along a new axis 0.</summary>
    [OnnxOp("Loop")]
    public static Tensor?[] Loop(OpContext c)
    {
        var body = c.Attributes.Graph("body");
        long? maxTrips = c.OptionalInput(0) is { } m ? Long(c, m, "M") : null;
        var condInput = c.OptionalInput(1);
        bool cond = condInput is null || Bool(c, condInput, "cond");
        int carried = c.InputCount - 2;
        if (body.Inputs.Count != carried + 2)
            throw c.Fail($"body takes {body.Inputs.Count} inputs, expected {carried + 2} (iteration number, condition and {carried} loop-carried values)");
        int scans = body.Outputs.Count - 1 - carried;
        if (scans < 0) throw c.Fail($"body produces {body.Outputs.Count} outputs, expected at least {carried + 1}");
        if (c.OutputCount > carried + scans) throw c.Fail($"declares {c.OutputCount} outputs, the body yields {carried + scans}");

        if (maxTrips is null && condInput is null) throw c.Fail("has neither a trip count M nor a condition, so it would never end");
        var values = new Tensor[carried];
        for (int i = 0; i < carried; i++)
            values[i] = c.OptionalInput(i + 2) ?? throw c.Unsupported($"loop-carried input {i + 2} is omitted (optional types are not supported)");
        var scanned = new List<Tensor>[scans];
        for (int k = 0; k < scans; k++) scanned[k] = [];
        for (long i = 0; (maxTrips is null || i < maxTrips) && cond; i++)
        {
            var inputs = new Tensor[carried + 2];
            inputs[0] = Tensor.Wrap([i], default);
            inputs[1] = Tensor.Wrap([cond], default);
            values.CopyTo(inputs, 2);
            var outputs = c.RunSubgraph(body, inputs);
            if (condInput is not null) cond = Bool(c, outputs[0], "the body's condition output");
            for (int k = 0; k < carried; k++) values[k] = outputs[k + 1];
            for (int k = 0; k < scans; k++) scanned[k].Add(outputs[1 + carried + k]);
        }
        var result = new Tensor?[carried + scans];
        values.CopyTo(result, 0);
        for (int k = 0; k < scans; k++)
            result[carried + k] = scanned[k].Count > 0 ? Pare.Core.Ops.Assembly.Stack(scanned[k], 0) : Tensor.Zeros([0]);
        return result;
    }

    /// <summary>The value of a one-element bool tensor.</summary>
    internal static bool Bool(OpContext c, Tensor t, string what)
    {
        if (t.Shape.ElementCount != 1) throw c.Fail($"{what} must hold one value, has shape {t.Shape}");
        return t.DType == DType.Bool ? t.Contiguous().AsSpan<bool>()[0] : throw c.Fail($"{what} must be bool, got {t.DType.Name()}");
    }

    private static long Long(OpContext c, Tensor t, string what)
    {
        if (t.Shape.ElementCount != 1) throw c.Fail($"{what} must hold one value, has shape {t.Shape}");
        return c.Longs(t, what)[0];
    }
}
