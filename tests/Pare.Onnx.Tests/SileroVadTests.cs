using System.Globalization;
using Pare.Core;
using Pare.Graph.Execution;
using Pare.Onnx.Tests.Audio;
using Xunit.Abstractions;

namespace Pare.Onnx.Tests;

/// <summary>Silero VAD v4 ("legacy") and v5 (../shared/models/silero-vad) against ONNX Runtime's outputs: an If on the
/// sample rate around a conv front end and LSTM cells whose state is fed back chunk by chunk.</summary>
public class SileroVadTests(ITestOutputHelper output)
{
    private const string Folder = "shared/models/silero-vad";
    private const string Audio = "shared/data/audio-speech";

    // The README's tolerance for float32 reference cases (ORT's wasm kernels sum in another order).
    private const float Rtol = 1e-4f, Atol = 1e-5f;

    // The CSV lists probabilities to 6 decimals; summing differences over a chunk stream stays well below this.
    private const double ProbTolerance = 1e-4;

    private const int Chunk = 512, Context = 64, Rate = 16000;

    [SharedDataFact(Folder + "/silero_vad_legacy.onnx")]
    public void LegacyReferenceStepsReproduceEveryOutput()
    {
        for (int set = 0; set < 4; set++) ReferenceStepReproducesEveryOutput("legacy", set);
    }

    [SharedDataFact(Folder + "/silero_vad_v5.onnx")]
    public void V5ReferenceStepsReproduceEveryOutput()
    {
        for (int set = 0; set < 4; set++) ReferenceStepReproducesEveryOutput("v5", set);
    }

    [SharedDataFact(Folder + "/silero_vad_legacy.onnx", Audio + "/en_num.wav")]
    public void LegacyEnNumProbabilities() => ChunkProbabilitiesMatchOnnxRuntime("legacy", "en_num");

    [SharedDataFact(Folder + "/silero_vad_legacy.onnx", Audio + "/es.wav")]
    public void LegacyEsProbabilities() => ChunkProbabilitiesMatchOnnxRuntime("legacy", "es");

    [SharedDataFact(Folder + "/silero_vad_v5.onnx", Audio + "/en_num.wav")]
    public void V5EnNumProbabilities() => ChunkProbabilitiesMatchOnnxRuntime("v5", "en_num");

    [SharedDataFact(Folder + "/silero_vad_v5.onnx", Audio + "/es.wav")]
    public void V5EsProbabilities() => ChunkProbabilitiesMatchOnnxRuntime("v5", "es");

    private static void ReferenceStepReproducesEveryOutput(string version, int set)
    {
        var session = Session(version);
        var dir = Paths.Resolve($"{Folder}/reference/{version}/test_data_set_{set}");
        var outputs = session.Run(TestVectors.ReadInputs(dir, session.Inputs));
        var reference = TestVectors.ReadOutputs(dir);
        Assert.Equal(reference.Count, outputs.Length);
        for (int o = 0; o < outputs.Length; o++)
        {
            var expected = reference[o];
            Assert.Equal(expected.Shape, outputs[o].Shape);
            float[] e = expected.ToArray<float>(), a = outputs[o].ToArray<float>();
            for (int i = 0; i < e.Length; i++)
                Assert.True(Math.Abs(a[i] - e[i]) <= Atol + Rtol * Math.Abs(e[i]),
                    $"{version} set {set} output {o} ('{session.Outputs[o].Name}') [{i}]: {a[i]} vs {e[i]}");
        }
    }

    private void ChunkProbabilitiesMatchOnnxRuntime(string version, string file)
    {
        var expected = ReadProbabilities(Paths.Resolve($"{Folder}/reference/{version}/probs_{file}.csv"));
        var (samples, rate) = WavFile.ReadMono16(Paths.Resolve($"{Audio}/{file}.wav"));
        Assert.Equal(Rate, rate);
        var actual = Probabilities(Session(version), samples, version == "v5");
        Assert.Equal(expected.Length, actual.Length);
        double maxDiff = 0;
        int worst = 0;
        for (int i = 0; i < actual.Length; i++)
        {
            double diff = Math.Abs(actual[i] - expected[i]);
            if (diff > maxDiff) (maxDiff, worst) = (diff, i);
        }
        output.WriteLine($"{version} {file}: {actual.Length} chunks, max |p − p_ort| = {maxDiff:E2} at chunk {worst}");
        Assert.True(maxDiff <= ProbTolerance, $"{version} {file}: chunk {worst} has p = {actual[worst]}, ORT {expected[worst]}");
    }

    // Silero's streaming loop: 512-sample chunks, state fed back; v5 also sees the previous chunk's last 64 samples.
    private static float[] Probabilities(InferenceSession session, float[] samples, bool v5)
    {
        var sr = Tensor.Wrap([(long)Rate], default);
        var probs = new float[samples.Length / Chunk];
        Tensor h = Tensor.Zeros([2, 1, 64]), c = Tensor.Zeros([2, 1, 64]), state = Tensor.Zeros([2, 1, 128]);
        var window = new float[Context + Chunk];
        for (int k = 0; k < probs.Length; k++)
        {
            if (v5)
            {
                Array.Copy(window, Chunk, window, 0, Context); // the last 64 samples of the previous chunk
                Array.Copy(samples, k * Chunk, window, Context, Chunk);
                var outputs = session.Run([Tensor.FromSpan<float>(window, [1, Context + Chunk]), state, sr]);
                probs[k] = outputs[0].ToArray<float>()[0];
                state = outputs[1];
            }
            else
            {
                var input = Tensor.FromSpan<float>(samples.AsSpan(k * Chunk, Chunk), [1, Chunk]);
                var outputs = session.Run([input, sr, h, c]);
                probs[k] = outputs[0].ToArray<float>()[0];
                (h, c) = (outputs[1], outputs[2]);
            }
        }
        return probs;
    }

    private static InferenceSession Session(string version) =>
        new(OnnxModel.Load(Paths.Resolve($"{Folder}/silero_vad_{version}.onnx")));

    private static double[] ReadProbabilities(string csv) =>
        File.ReadLines(csv).Skip(1).Where(l => l.Length > 0)
            .Select(l => double.Parse(l.Split(',')[3], CultureInfo.InvariantCulture)).ToArray();
}
