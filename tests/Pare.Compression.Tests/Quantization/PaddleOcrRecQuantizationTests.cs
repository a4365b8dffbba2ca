using Pare.Compression.Quantization;
using Pare.Core;
using Pare.Graph.Execution;
using Pare.Onnx;
using Xunit.Abstractions;

namespace Pare.Compression.Tests.Quantization;

/// <summary>PP-OCRv4 rec (opset 9: the pass upgrades it to 13, rewriting Slice/Clip/Squeeze/Softmax) quantized and
/// read back with CTC greedy decoding on the reference text line.</summary>
public class PaddleOcrRecQuantizationTests(ITestOutputHelper output)
{
    private const string Folder = "shared/models/paddleocr";
    private const string Model = Folder + "/ch_PP-OCRv4_rec_infer.onnx";
    private const string Keys = Folder + "/ppocr_keys_v1.txt";
    private const string Reference = Folder + "/reference/rec";

    // fp32 itself is borderline on this line's word gaps (it reads "withreal-world mages"; blank vs space at p ≈ 0.64/0.35),
    // and static W8A8 reads the gaps differently ("with real-world images", the true text): 5 edits of 88 characters.
    private const double MaxStaticCharErrorRate = 0.08;

    [SharedDataFact(Model, Keys, Reference + "/test_data_set_0/input_0.pb")]
    public void WeightOnlyInt8WithBiasCorrectionDecodesTheSameTextAsFp32()
    {
        var (fp32Text, qText) = Decode(new QuantizationOptions(QuantizationMode.WeightOnly) { BiasCorrection = true });
        Assert.Equal(fp32Text, qText);
    }

    [SharedDataFact(Model, Keys, Reference + "/test_data_set_0/input_0.pb")]
    public void StaticW8A8DecodesNearlyTheSameText()
    {
        var (fp32Text, qText) = Decode(new QuantizationOptions(QuantizationMode.Static) { BiasCorrection = true });
        var cer = (double)EditDistance(fp32Text, qText) / fp32Text.Length;
        output.WriteLine($"fp32: {fp32Text}\nW8A8: {qText}\nCER {cer:P1}");
        Assert.True(cer <= MaxStaticCharErrorRate, $"CER {cer:P1}: '{qText}' vs '{fp32Text}'");
    }

    private static (string Fp32, string Quantized) Decode(QuantizationOptions options)
    {
        var fp32 = OnnxModel.Load(Paths.Resolve(Model));
        var calibration = CalibrationData.Load(Paths.Resolve(Reference), fp32.Graph.Inputs);
        var (q, _) = QuantizationPass.Run(fp32, options, calibration);
        var x = calibration[0];
        var keys = File.ReadAllLines(Paths.Resolve(Keys));
        var reference = CtcGreedy(new InferenceSession(fp32).Run(x)[0], keys);
        var quantized = CtcGreedy(new InferenceSession(OnnxModel.Parse(OnnxModel.ToBytes(q), "rec_q.onnx")).Run(x)[0], keys);
        // fp32 must read what ONNX Runtime read (expected_text.tsv), or the comparison means nothing
        var expected = File.ReadAllLines(Paths.Resolve(Reference + "/expected_text.tsv"))[1].Split('\t')[2];
        Assert.Equal(expected, reference);
        return (reference, quantized);
    }

    /// <summary>CTC greedy decoding of (1, T, C) probabilities: argmax per step, repeats collapsed, blank (0) dropped,
    /// class i ≥ 1 is dictionary line i, the class after the dictionary is a space.</summary>
    internal static string CtcGreedy(Tensor probs, string[] keys)
    {
        var y = probs.ToArray<float>();
        int steps = probs.Shape[1], classes = probs.Shape[2];
        var text = new System.Text.StringBuilder();
        var previous = -1;
        for (var t = 0; t < steps; t++)
        {
            var best = 0;
            for (var c = 1; c < classes; c++) if (y[t * classes + c] > y[t * classes + best]) best = c;
            if (best != previous && best != 0) text.Append(best <= keys.Length ? keys[best - 1] : " ");
            previous = best;
        }
        return text.ToString();
    }

    private static int EditDistance(string a, string b)
    {
        var d = new int[b.Length + 1];
        for (var j = 0; j <= b.Length; j++) d[j] = j;
        for (var i = 1; i <= a.Length; i++)
        {
            var diagonal = d[0];
            d[0] = i;
            for (var j = 1; j <= b.Length; j++)
            {
                var up = d[j];
                d[j] = Math.Min(Math.Min(d[j] + 1, d[j - 1] + 1), diagonal + (a[i - 1] == b[j - 1] ? 0 : 1));
                diagonal = up;
            }
        }
        return d[b.Length];
    }
}
