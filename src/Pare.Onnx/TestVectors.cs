using Pare.Core;
using Pare.Graph;

namespace Pare.Onnx;

/// <summary>Folders of numbered tensor files in ONNX's <c>test_data_set_N</c> layout: <c>input_K.pb</c> for the
/// model's K-th input, <c>output_K.pb</c> for its K-th output.</summary>
public static class TestVectors
{
    /// <summary>Reads <c>input_0.pb</c> … <c>input_{n-1}.pb</c> from <paramref name="folder"/> for the
    /// <paramref name="inputs"/> of a model; fails naming the missing file, or a file beyond the model's inputs.</summary>
    public static IReadOnlyList<Tensor> ReadInputs(string folder, IReadOnlyList<ValueInfo> inputs)
    {
        ArgumentNullException.ThrowIfNull(folder);
        ArgumentNullException.ThrowIfNull(inputs);
        if (!Directory.Exists(folder)) throw new OnnxFormatException($"{folder}: no such folder");
        var names = string.Join(", ", inputs.Select(i => i.Name));
        var result = new List<Tensor>(inputs.Count);
        for (var k = 0; k < inputs.Count; k++)
        {
            var path = Path.Combine(folder, $"input_{k}.pb");
            if (!File.Exists(path))
                throw new OnnxFormatException($"{path}: missing; the model takes {inputs.Count} inputs ({names}), one file each");
            result.Add(TensorFile.Read(path).Tensor);
        }
        var extra = Path.Combine(folder, $"input_{inputs.Count}.pb");
        if (File.Exists(extra))
            throw new OnnxFormatException($"{extra}: the model takes only {inputs.Count} inputs ({names})");
        return result;
    }

    /// <summary>Reads <c>output_0.pb</c>, <c>output_1.pb</c>, … from <paramref name="folder"/> until one is missing
    /// (the expected outputs of a test case).</summary>
    public static IReadOnlyList<Tensor> ReadOutputs(string folder)
    {
        var result = new List<Tensor>();
        for (var k = 0; File.Exists(Path.Combine(folder, $"output_{k}.pb")); k++)
            result.Add(TensorFile.Read(Path.Combine(folder, $"output_{k}.pb")).Tensor);
        return result;
    }

    /// <summary>Writes <paramref name="tensors"/> as <c>output_K.pb</c> in <paramref name="folder"/> (created if
    /// needed), each named as the model's K-th output and written atomically (temporary file, then rename).</summary>
    /// <returns>the paths written</returns>
    public static IReadOnlyList<string> WriteOutputs(string folder, IReadOnlyList<ValueInfo> outputs, IReadOnlyList<Tensor> tensors)
    {
        ArgumentNullException.ThrowIfNull(folder);
        ArgumentNullException.ThrowIfNull(outputs);
        ArgumentNullException.ThrowIfNull(tensors);
        if (outputs.Count != tensors.Count)
            throw new ArgumentException($"{tensors.Count} tensors for {outputs.Count} outputs", nameof(tensors));
        Directory.CreateDirectory(folder);
        var paths = new List<string>(tensors.Count);
        for (var k = 0; k < tensors.Count; k++)
        {
            var path = Path.Combine(folder, $"output_{k}.pb");
            TensorFile.Write(path, tensors[k], outputs[k].Name);
            paths.Add(path);
        }
        return paths;
    }
}
