using Pare.Core;
using Pare.Onnx;

namespace Pare.Compression.Quantization;

/// <summary>Calibration batches from a folder in ONNX's test-vector layout: <c>DIR/test_data_set_*/input_K.pb</c>.</summary>
public static class CalibrationData
{
    /// <summary>One batch per <c>test_data_set_*</c> folder (in name order), holding <paramref name="inputCount"/>
    /// inputs each; at most <paramref name="maxBatches"/>.</summary>
    /// <exception cref="QuantizationException">the folder has no data sets or a data set lacks an input</exception>
    public static List<Tensor[]> Load(string directory, int inputCount, int maxBatches = 64)
    {
        ArgumentNullException.ThrowIfNull(directory);
        if (!Directory.Exists(directory)) throw new QuantizationException($"{directory}: calibration folder not found");
        var sets = Directory.GetDirectories(directory, "test_data_set_*").Order(StringComparer.Ordinal).Take(maxBatches).ToList();
        if (sets.Count == 0) throw new QuantizationException($"{directory}: no test_data_set_* folders with input_K.pb files");
        var batches = new List<Tensor[]>();
        foreach (var set in sets)
        {
            var inputs = new Tensor[inputCount];
            for (var k = 0; k < inputCount; k++)
            {
                var path = Path.Combine(set, $"input_{k}.pb");
                if (!File.Exists(path)) throw new QuantizationException($"{path}: missing (the model has {inputCount} inputs)");
                inputs[k] = TensorFile.Read(path).Tensor;
            }
            batches.Add(inputs);
        }
        return batches;
    }
}
