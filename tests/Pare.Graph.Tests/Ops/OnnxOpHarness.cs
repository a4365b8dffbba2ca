using Pare.Core;
using Pare.Graph.Execution;

namespace Pare.Graph.Tests.Ops;

/// <summary>Runs one ONNX node on given tensors: through the inference session, or through the training runner
/// (tape on) so gradients can be checked.</summary>
internal static class OnnxOpHarness
{
    public const string NodeName = "node_under_test";

    /// <param name="op">ONNX op type</param>
    /// <param name="inputs">inputs in order; null for an omitted optional input</param>
    /// <param name="opset">default-domain opset of the model</param>
    /// <param name="attributes">sets the node's attributes</param>
    /// <param name="outputs">number of outputs</param>
    /// <param name="training">run with the training runner (gradients recorded)</param>
    public static Tensor[] Run(string op, Tensor?[] inputs, long opset = 17, Action<Attributes>? attributes = null,
        int outputs = 1, bool training = false)
    {
        var g = new ModelGraph { Name = "g" };
        var names = new List<string>();
        var given = new List<Tensor>();
        for (int i = 0; i < inputs.Length; i++)
        {
            if (inputs[i] is not { } t) { names.Add(""); continue; }
            names.Add($"in{i}");
            g.Inputs.Add(new ValueInfo($"in{i}", ElementTypes.FromDType(t.DType), null));
            given.Add(t);
        }
        var outs = Enumerable.Range(0, outputs).Select(i => $"out{i}").ToList();
        var node = new Node(NodeName, op, names, outs);
        attributes?.Invoke(node.Attributes);
        g.Nodes.Add(node);
        foreach (var o in outs) g.Outputs.Add(new ValueInfo(o, ElementType.Undefined, null));
        var model = new Model(g);
        model.Opsets[""] = opset;
        if (!training) return new InferenceSession(model).Run(given);
        var runner = new GraphRunner(model, training: true);
        runner.Prepare();
        return runner.Run(given);
    }

    public static Tensor Longs(params long[] values) => Tensor.FromSpan<long>(values);

    public static Tensor Floats(params float[] values) => Tensor.FromSpan<float>(values);
}
