using Pare.Core;
using Pare.Onnx;

namespace Pare.Compression.Quantization;

/// <summary>Calibration batches from a folder in ONNX's test-vector layout: <c>DIR/test_data_set_*/input_K.pb</c>.</summary>
public static class CalibrationData
{
    /// <summary>One batch per <c>test_data_set_*</c> folder (in name order), holding one tensor per model input
    /// (<paramref name="inputs"/>); at most <paramref name="maxBatches"/>.</summary>
    /// <exception cref="QuantizationException">the folder has no data sets</exception>
    /// <exception cref="OnnxFormatException">a data set lacks an input file or has one too many</exception>
    public static List<Tensor[]> Load(string directory, IReadOnlyList<Pare.Graph.ValueInfo> inputs, int maxBatches = 64)
    {
        ArgumentNullException.ThrowIfNull(directory);
        if (!Directory.Exists(directory)) throw new QuantizationException($"{directory}: calibration folder not found");
        var sets = Directory.GetDirectories(directory, "test_data_set_*").Order(StringComparer.Ordinal).Take(maxBatches).ToList();
        if (sets.Count == 0) throw new QuantizationException($"{directory}: no test_data_set_* folders with input_K.pb files");
        var batches = new List<Tensor[]>();
        foreach (var set in sets) batches.Add([.. TestVectors.ReadInputs(set, inputs)]);
        return batches;
    }
}
