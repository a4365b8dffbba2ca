using Pare.Core;
using Pare.Core.Ops;
using Pare.Core.Random;
using Pare.Graph;
using Pare.Graph.Execution;

namespace Pare.Bench;

/// <summary>ONNX LSTM and GRU graph ops (one node, weights as initializers) through the inference executor, and an
/// LSTM forward + backward through the training executor. The peer is bench/peers/ort_rnn.sh: the same shapes in
/// ONNX Runtime (models written by bench/peers/rnn_models.py).</summary>
public sealed class RecurrentSuite : IBenchSuite
{
    private const int S = 64, B = 8, I = 64, H = 128;

    /// <inheritdoc/>
    public IEnumerable<BenchCase> Cases()
    {
        yield return new BenchCase($"onnx_lstm_s{S}_b{B}_i{I}_h{H}", () => Infer("LSTM", "forward"), Flops(4, 1));
        yield return new BenchCase($"onnx_lstm_bidi_s{S}_b{B}_i{I}_h{H}", () => Infer("LSTM", "bidirectional"), Flops(4, 2));
        yield return new BenchCase($"onnx_gru_s{S}_b{B}_i{I}_h{H}", () => Infer("GRU", "forward"), Flops(3, 1));
        yield return new BenchCase($"train_onnx_lstm_s{S}_b{B}_i{I}_h{H}", TrainLstm, 3 * Flops(4, 1));
    }

    // the two GEMMs per step: 2·B·G·H·(I + H) per direction and step
    private static double Flops(int gates, int directions) => 2.0 * S * B * gates * H * (I + H) * directions;

    private static Action Infer(string op, string direction)
    {
        var session = new InferenceSession(Model(op, direction, new Rng(0)));
        var x = Tensor.Normal([S, B, I], 0, 1, new Rng(1));
        return () => session.Run([x]);
    }

    private static Action TrainLstm()
    {
        var session = new TrainingSession(Model("LSTM", "forward", new Rng(0)));
        var x = Tensor.Normal([S, B, I], 0, 1, new Rng(1));
        return () =>
        {
            foreach (var p in session.Parameters.Values) p.ZeroGrad();
            Reduce.Sum(session.Forward([x])[0]).Backward();
        };
    }

    private static Model Model(string op, string direction, Rng rng)
    {
        int g = op == "LSTM" ? 4 : 3, d = direction == "bidirectional" ? 2 : 1;
        float scale = 1f / MathF.Sqrt(H);
        var graph = new ModelGraph { Name = op.ToLowerInvariant() };
        graph.Inputs.Add(new ValueInfo("X", ElementType.Float, [Dim.Of(S), Dim.Of(B), Dim.Of(I)]));
        graph.Initializers["W"] = Tensor.Uniform([d, g * H, I], -scale, scale, rng);
        graph.Initializers["R"] = Tensor.Uniform([d, g * H, H], -scale, scale, rng);
        graph.Initializers["B"] = Tensor.Uniform([d, 2 * g * H], -scale, scale, rng);
        var node = new Node("rnn", op, ["X", "W", "R", "B"], ["Y", "Y_h"]);
        node.Attributes.Set("hidden_size", AttributeValue.Of((long)H));
        node.Attributes.Set("direction", AttributeValue.Of(direction));
        graph.Nodes.Add(node);
        graph.Outputs.Add(new ValueInfo("Y", ElementType.Float, null));
        graph.Outputs.Add(new ValueInfo("Y_h", ElementType.Float, null));
        return new Model(graph);
    }
}
