using Pare.Compression.Quantization;
using Pare.Core;
using Pare.Graph;
using Pare.Graph.Execution;
using Pare.Onnx;
using Pare.Onnx.Tests.Audio;
using Xunit.Abstractions;

namespace Pare.Compression.Tests.Quantization;

/// <summary>Silero VAD v5 and v4 ("legacy") with int8 weights: their convs and LSTMs sit inside If branches
/// (8 kHz/16 kHz), so this checks quantization of subgraph layers (outer weights read by a branch, Constant weights
/// inside it) and the streamed speech probabilities against fp32 on every chunk of es.wav. Measured max |Δp|
/// (goal 0.02, not met): v5 weight-only 0.044, static W8A8 0.46 (calibrated on all 375 chunks of en_num.wav);
/// legacy weight-only 0.33 (0.33 with its LSTMs kept float too, so the convs cause it), static 0.97. The VAD's fed-back
/// state amplifies weight error on chunks near p = 0.5. <see cref="IsMeasured"/> prints the static figures. With an
/// accuracy target and the state fed back while measuring, the goal is met (<see cref="AccuracyTargetWithFedBackStateMeetsTheGoalOnHeldOutSpeech"/>).</summary>
public class SileroQuantizationTests(ITestOutputHelper output)
{
    private const string Folder = "shared/models/silero-vad";
    private const string Audio = "shared/data/audio-speech";

    // The goal was 0.02 per chunk. It is NOT met: v5 weight-only int8 measures 0.044 (0.052 with bias correction), so this
    // bound only guards against regressions from that measurement.
    private const double V5WeightOnlyBound = 0.05;

    // legacy weight-only misses 0.02 on the max by far (0.33); its mean difference is the regression guard
    private const double LegacyMeanBound = 0.01;

    private const int Chunk = 512, Context = 64, Rate = 16000, CalibrationChunks = 375;

    [SharedDataFact(Folder + "/silero_vad_v5.onnx", Audio + "/en_num.wav", Audio + "/es.wav")]
    public void V5WeightOnlyInt8StaysWithinTheMeasuredBound()
    {
        var (max, _, flips) = MaxDiff("v5", QuantizationMode.WeightOnly);
        Assert.True(max <= V5WeightOnlyBound, $"max |Δp| {max}");
        // measured: 3 of 1875 (convs and, since main's merge, its 8 LSTM W/R int8 too); 1 with the LSTMs float
        Assert.True(flips <= 5, $"{flips} speech decisions flipped");
    }

    [SharedDataFact(Folder + "/silero_vad_legacy.onnx", Audio + "/en_num.wav", Audio + "/es.wav")]
    public void LegacyWeightOnlyInt8KeepsNearlyEverySpeechDecision()
    {
        // measured: mean |Δp| 0.0085, 12 of 1875 decisions flipped, but max |Δp| 0.33 on a chunk where fp32 says 0.48
        var (_, mean, flips) = MaxDiff("legacy", QuantizationMode.WeightOnly);
        Assert.True(mean <= LegacyMeanBound, $"mean |Δp| {mean}");
        Assert.True(flips <= 19, $"{flips} of 1875 speech decisions flipped (bound 1 %)");
    }

    /// <summary>The 0.02 goal, met by the accuracy-driven search: calibrated and targeted (max |Δp| 0.015, the state fed
    /// back) on en_num.wav, checked on every chunk of es.wav, which the search never saw. Measured: v5 keeps the STFT
    /// conv, encoder 0 and 2 and the LSTM in float (1 705 740 bytes, 0.73×), es max |Δp| 0.0168; legacy keeps 6 of its
    /// convs (STFT basis, first layer, decoder among them) in float, es max |Δp| 0.0194.</summary>
    [SharedDataTheory(Folder + "/silero_vad_v5.onnx", Folder + "/silero_vad_legacy.onnx", Audio + "/en_num.wav", Audio + "/es.wav")]
    [InlineData("v5")]
    [InlineData("legacy")]
    public void AccuracyTargetWithFedBackStateMeetsTheGoalOnHeldOutSpeech(string version)
    {
        var v5 = version == "v5";
        var target = new AccuracyTarget(MaxAbsDiff: 0.015, Feedback: v5 ? [("stateN", "state")] : [("hn", "h"), ("cn", "c")]);
        var (max, _, flips) = MaxDiff(version, QuantizationMode.WeightOnly, target);
        Assert.True(max <= 0.02, $"max |Δp| {max}");
        Assert.Equal(0, flips);
    }

    [SharedDataTheory(Folder + "/silero_vad_v5.onnx", Folder + "/silero_vad_legacy.onnx", Audio + "/en_num.wav", Audio + "/es.wav")]
    [InlineData("v5", QuantizationMode.Static)]
    [InlineData("legacy", QuantizationMode.Static)]
    public void IsMeasured(string version, QuantizationMode mode)
    {
        // known to miss the 0.02 goal (see the class summary): this runs the quantized model in Pare over the whole
        // recording and prints the figure; the assertion only checks that it stays a probability difference
        Assert.InRange(MaxDiff(version, mode).Max, 0, 1);
    }

    /// <summary>Max and mean |p_q − p_fp32| over the chunks of es.wav and how many p > 0.5 decisions flip.</summary>
    private (double Max, double Mean, int Flips) MaxDiff(string version, QuantizationMode mode, AccuracyTarget? target = null)
    {
        var fp32 = OnnxModel.Load(Paths.Resolve($"{Folder}/silero_vad_{version}.onnx"));
        var v5 = version == "v5";
        // calibrate on the fp32 model's own streaming steps over all of en_num.wav (inputs with the state it carries)
        var calibration = new List<Tensor[]>();
        Stream(new InferenceSession(fp32), Samples("en_num"), v5, CalibrationChunks, calibration);
        var (q, record) = target is null ? QuantizationPass.Run(fp32, new QuantizationOptions(mode), calibration)
            : AccuracyDrivenQuantization.Run(fp32, new QuantizationOptions(mode), target, calibration) is var r ? (r.Model, r.Record) : default;
        Assert.Contains(record.Layers, l => l.OpType == "Conv");
        var bytes = OnnxModel.ToBytes(q);
        var quantized = new InferenceSession(OnnxModel.Parse(bytes, "silero_q.onnx"));
        var speech = Samples("es");
        var expected = Stream(new InferenceSession(fp32), speech, v5);
        var actual = Stream(quantized, speech, v5);
        var worst = Enumerable.Range(0, actual.Length).MaxBy(i => Math.Abs(actual[i] - expected[i]));
        var maxDiff = Math.Abs(actual[worst] - expected[worst]);
        output.WriteLine($"{version} {mode}: {bytes.Length:N0} bytes ({record.Layers.Count(l => l.OpType == "LSTM")} LSTM weights int8), " +
                         $"{actual.Length} chunks of es.wav, max |p_q − p_fp32| = {maxDiff:F4} at chunk {worst} (p {actual[worst]:F4} vs {expected[worst]:F4}), " +
                         $"mean {Enumerable.Range(0, actual.Length).Average(i => Math.Abs(actual[i] - expected[i])):F4}, " +
                         $"{Enumerable.Range(0, actual.Length).Count(i => Math.Abs(actual[i] - expected[i]) > 0.02)} chunks off by > 0.02, " +
                         $"{Enumerable.Range(0, actual.Length).Count(i => actual[i] > 0.5 != expected[i] > 0.5)} speech decisions (p > 0.5) flipped");
        return (maxDiff, Enumerable.Range(0, actual.Length).Average(i => Math.Abs(actual[i] - expected[i])),
                Enumerable.Range(0, actual.Length).Count(i => actual[i] > 0.5 != expected[i] > 0.5));
    }

    private static float[] Samples(string file)
    {
        var (samples, rate) = WavFile.ReadMono16(Paths.Resolve($"{Audio}/{file}.wav"));
        Assert.Equal(Rate, rate);
        return samples;
    }

    // Silero's streaming loop (as SileroVadTests): 512-sample chunks, state fed back; v5 also sees the previous 64 samples.
    // The first `record` steps' inputs are appended to `inputs` when given.
    private static float[] Stream(InferenceSession session, float[] samples, bool v5, int count = int.MaxValue, List<Tensor[]>? inputs = null)
    {
        var sr = Tensor.Wrap([(long)Rate], default);
        var probs = new float[Math.Min(count, samples.Length / Chunk)];
        Tensor h = Tensor.Zeros([2, 1, 64]), c = Tensor.Zeros([2, 1, 64]), state = Tensor.Zeros([2, 1, 128]);
        var window = new float[Context + Chunk];
        for (int k = 0; k < probs.Length; k++)
        {
            Tensor[] step;
            if (v5)
            {
                Array.Copy(window, Chunk, window, 0, Context);
                Array.Copy(samples, k * Chunk, window, Context, Chunk);
                step = [Tensor.FromSpan<float>(window, [1, Context + Chunk]), state, sr];
            }
            else
            {
                step = [Tensor.FromSpan<float>(samples.AsSpan(k * Chunk, Chunk), [1, Chunk]), sr, h, c];
            }
            inputs?.Add(step);
            var outputs = session.Run(step);
            probs[k] = outputs[0].ToArray<float>()[0];
            if (v5) state = outputs[1];
            else (h, c) = (outputs[1], outputs[2]);
        }
        return probs;
    }
}
