using Pare.Core;

namespace Pare.Graph.Ops.Onnx;

/// <summary>ONNX Scan. From opset 9: body(states…, slices…) → (states…, outputs…) once per step along each scan
/// input's axis (scan_input_axes, reversed where scan_input_directions says 1); the per-step outputs are stacked
/// along scan_output_axes (reversed per scan_output_directions). Opset 8 adds a leading batch axis to every input
/// and output and an optional sequence_lens input; each batch entry is scanned on its own.</summary>
internal static class Scan
{
    [OnnxOp("Scan", SinceVersion = 8)]
    public static Tensor?[] Run(OpContext c)
    {
        var a = c.Attributes;
        var body = a.Graph("body");
        int scanInputs = a.Int32("num_scan_inputs", -1);
        bool batched = c.Opset < 9;
        int first = batched ? 1 : 0; // opset 8: input 0 is sequence_lens
        int states = c.InputCount - first - scanInputs;
        if (scanInputs < 1 || states < 0) throw c.Fail($"attribute 'num_scan_inputs' is {scanInputs}, the node has {c.InputCount - first} state and scan inputs");
        if (body.Inputs.Count != states + scanInputs)
            throw c.Fail($"body takes {body.Inputs.Count} inputs, expected {states + scanInputs}");
        int scanOutputs = body.Outputs.Count - states;
        if (scanOutputs < 0) throw c.Fail($"body produces {body.Outputs.Count} outputs, expected at least {states}");

        var inputs = new Tensor[states + scanInputs];
        for (int i = 0; i < inputs.Length; i++) inputs[i] = c.Input(first + i);
        var inDirections = a.IntArray(batched ? "directions" : "scan_input_directions") ?? new int[scanInputs];
        var inAxes = batched ? new int[scanInputs] : a.IntArray("scan_input_axes") ?? new int[scanInputs];
        var outDirections = batched ? new int[scanOutputs] : a.IntArray("scan_output_directions") ?? new int[scanOutputs];
        var outAxes = batched ? new int[scanOutputs] : a.IntArray("scan_output_axes") ?? new int[scanOutputs];
        if (inDirections.Length != scanInputs || inAxes.Length != scanInputs || outDirections.Length != scanOutputs || outAxes.Length != scanOutputs)
            throw c.Fail($"scan direction/axis attributes must list one value per scan input ({scanInputs}) and output ({scanOutputs})");

        if (!batched) return Unbatched(c, body, inputs, states, inDirections, inAxes, outDirections, outAxes);

        int batch = inputs[0].Rank > 0 ? inputs[0].Dim(0) : throw c.Fail("opset-8 Scan inputs need a leading batch axis");
        if (c.OptionalInput(0) is { } lengths)
        {
            var steps = inputs[states].Dim(1);
            if (c.Longs(lengths, "sequence_lens").Any(l => l != steps))
                throw c.Unsupported("sequence_lens shorter than the scan length are not supported");
        }
        var perBatch = new List<Tensor?[]>();
        for (int b = 0; b < batch; b++)
        {
            var slice = inputs.Select(t => t.Slice(0, b, b + 1).Squeeze(0)).ToArray();
            perBatch.Add(Unbatched(c, body, slice, states, inDirections, inAxes, outDirections, outAxes));
        }
        var result = new Tensor?[states + scanOutputs];
        for (int k = 0; k < result.Length; k++)
            result[k] = Pare.Core.Ops.Assembly.Stack(perBatch.Select(r => r[k]!).ToArray(), 0);
        return result;
    }

    private static Tensor?[] Unbatched(OpContext c, ModelGraph body, Tensor[] inputs, int states,
        int[] inDirections, int[] inAxes, int[] outDirections, int[] outAxes)
    {
        int scanInputs = inputs.Length - states, scanOutputs = body.Outputs.Count - states;
        var axes = new int[scanInputs];
        int steps = -1;
        for (int j = 0; j < scanInputs; j++)
        {
            var x = inputs[states + j];
            axes[j] = c.Axis(inAxes[j], x.Rank, "scan_input_axes");
            int n = x.Dim(axes[j]);
            if (steps >= 0 && n != steps) throw c.Fail($"scan input {j} has {n} steps, scan input 0 has {steps}");
            steps = n;
        }
        var stateValues = inputs[..states];
        var collected = new Tensor[scanOutputs][];
        for (int k = 0; k < scanOutputs; k++) collected[k] = new Tensor[steps];
        for (int t = 0; t < steps; t++)
        {
            var bodyInputs = new Tensor[inputs.Length];
            stateValues.CopyTo(bodyInputs, 0);
            for (int j = 0; j < scanInputs; j++)
            {
                int at = inDirections[j] != 0 ? steps - 1 - t : t;
                bodyInputs[states + j] = inputs[states + j].Slice(axes[j], at, at + 1).Squeeze(axes[j]);
            }
            var outputs = c.RunSubgraph(body, bodyInputs);
            for (int k = 0; k < states; k++) stateValues[k] = outputs[k];
            for (int k = 0; k < scanOutputs; k++)
                collected[k][outDirections[k] != 0 ? steps - 1 - t : t] = outputs[states + k];
        }
        var result = new Tensor?[states + scanOutputs];
        stateValues.CopyTo(result, 0);
        for (int k = 0; k < scanOutputs; k++)
        {
            if (steps == 0) throw c.Unsupported("a scan of zero steps has no output shape to stack");
            int rank = collected[k][0].Rank + 1;
            result[states + k] = Pare.Core.Ops.Assembly.Stack(collected[k], c.Axis(outAxes[k], rank, "scan_output_axes"));
        }
        return result;
    }
}
