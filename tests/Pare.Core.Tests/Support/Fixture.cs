using System.Text.Json;

namespace Pare.Core.Tests.Support;

/// <summary>A tensor in a PyTorch fixture file: shape, dtype name and values (row-major).</summary>
public sealed record FixtureTensor(int[] Shape, string Dtype, double[] Data)
{
    /// <summary>As a Pare tensor (float32, or int64 for index tensors).</summary>
    public Tensor ToTensor() => Dtype switch
    {
        "int64" => Tensor.FromSpan<long>(Data.Select(v => (long)v).ToArray(), Shape),
        "bool" => Tensor.FromSpan<bool>(Data.Select(v => v != 0).ToArray(), Shape),
        _ => Tensor.FromSpan<float>(Data.Select(v => (float)v).ToArray(), Shape),
    };
}

/// <summary>One case of a fixture file: named inputs, op arguments, the output and the gradients of
/// sum(output · gradWeight) with respect to each float input.</summary>
public sealed record FixtureCase(
    string Name,
    string Op,
    Dictionary<string, FixtureTensor> Inputs,
    Dictionary<string, JsonElement> Args,
    FixtureTensor Output,
    FixtureTensor? GradWeight,
    Dictionary<string, FixtureTensor>? Grads);

/// <summary>Loads the fixture files written by tests/fixtures/gen_*.py (PyTorch) and committed under Fixtures/.</summary>
public static class Fixture
{
    private static readonly JsonSerializerOptions Options = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };

    /// <summary>All cases of Fixtures/<paramref name="file"/>.</summary>
    public static IReadOnlyList<FixtureCase> Load(string file)
    {
        var path = Path.Combine(AppContext.BaseDirectory, "Fixtures", file);
        using var stream = File.OpenRead(path);
        return JsonSerializer.Deserialize<List<FixtureCase>>(stream, Options)
            ?? throw new InvalidDataException($"{path} holds no cases");
    }

    /// <summary>Asserts that <paramref name="actual"/> equals the fixture tensor within rtol/atol, naming the case.</summary>
    public static void AssertClose(FixtureTensor expected, Tensor actual, string what,
        float rtol = Tolerance.TorchRelative, float atol = Tolerance.TorchAbsolute)
    {
        ArgumentNullException.ThrowIfNull(expected);
        ArgumentNullException.ThrowIfNull(actual);
        Assert.True(expected.Shape.SequenceEqual(actual.Shape.Dims.ToArray()),
            $"{what}: shape {actual.Shape} vs PyTorch ({string.Join(", ", expected.Shape)})");
        var values = actual.To(DType.Float32).ToArray<float>();
        for (int i = 0; i < values.Length; i++)
        {
            double e = expected.Data[i], a = values[i];
            if (double.IsNaN(e) && double.IsNaN(a)) continue;
            if (double.IsInfinity(e) && e == a) continue;
            Assert.True(Math.Abs(a - e) <= atol + rtol * Math.Abs(e), $"{what}[{i}]: {a} vs PyTorch {e}");
        }
    }
}
