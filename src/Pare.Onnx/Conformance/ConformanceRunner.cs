using Pare.Core;
using Pare.Graph;
using Pare.Graph.Execution;

namespace Pare.Onnx.Conformance;

/// <summary>Runs ONNX backend test cases: each folder holding <c>model.onnx</c> and <c>test_data_set_N/</c>
/// (<c>input_K.pb</c>, <c>output_K.pb</c>). Outputs are compared as ONNX's backend tests do: |actual − expected| ≤
/// atol + rtol·|expected|, NaN equal to NaN, integers and booleans exactly.</summary>
public static class ConformanceRunner
{
    /// <summary>Relative tolerance of ONNX's backend tests.</summary>
    public const double RelativeTolerance = 1e-3;

    /// <summary>Absolute tolerance of ONNX's backend tests.</summary>
    public const double AbsoluteTolerance = 1e-7;

    /// <summary>Every case folder under <paramref name="root"/> (any depth), sorted by path.</summary>
    public static IReadOnlyList<string> FindCases(string root) =>
        [.. Directory.EnumerateFiles(root, "model.onnx", SearchOption.AllDirectories)
            .Select(f => Path.GetDirectoryName(f)!)
            .Order(StringComparer.Ordinal)];

    /// <summary>Runs the case in <paramref name="folder"/>.</summary>
    public static CaseResult Run(string folder)
    {
        var name = Path.GetFileName(folder);
        try
        {
            var model = OnnxModel.Load(Path.Combine(folder, "model.onnx"));
            var session = new InferenceSession(model);
            var sets = Directory.GetDirectories(folder, "test_data_set_*").Order(StringComparer.Ordinal).ToList();
            if (sets.Count == 0) return new CaseResult(name, CaseOutcome.Skipped, "no test_data_set_* folder");
            foreach (var set in sets)
            {
                var inputs = TestVectors.ReadInputs(set, session.Inputs);
                var expected = TestVectors.ReadOutputs(set);
                var actual = session.Run(inputs);
                if (actual.Length < expected.Count)
                    return new CaseResult(name, CaseOutcome.Failed, $"{Path.GetFileName(set)}: {actual.Length} outputs, expected {expected.Count}");
                for (var k = 0; k < expected.Count; k++)
                    if (Compare(actual[k], expected[k]) is { } problem)
                        return new CaseResult(name, CaseOutcome.Failed, $"{Path.GetFileName(set)} output {k} ('{session.Outputs[k].Name}'): {problem}");
            }
            return new CaseResult(name, CaseOutcome.Passed, "");
        }
        catch (UnsupportedOpException e)
        {
            return new CaseResult(name, CaseOutcome.Skipped, e.Message);
        }
        catch (PareException e)
        {
            return new CaseResult(name, CaseOutcome.Failed, e.Message);
        }
    }

    /// <summary>Null when <paramref name="actual"/> matches <paramref name="expected"/>, else what differs.</summary>
    public static string? Compare(Tensor actual, Tensor expected, double rtol = RelativeTolerance, double atol = AbsoluteTolerance)
    {
        if (actual.DType != expected.DType) return $"element type {actual.DType.Name()}, expected {expected.DType.Name()}";
        if (!actual.Shape.Equals(expected.Shape)) return $"shape {actual.Shape}, expected {expected.Shape}";
        var a = actual.Contiguous();
        var e = expected.Contiguous();
        switch (actual.DType)
        {
            case DType.Float32:
            {
                var x = a.AsSpan<float>();
                var y = e.AsSpan<float>();
                for (var i = 0; i < x.Length; i++)
                {
                    if (float.IsNaN(y[i]) && float.IsNaN(x[i])) continue;
                    if (x[i] == y[i]) continue;
                    if (!(Math.Abs((double)x[i] - y[i]) <= atol + rtol * Math.Abs((double)y[i])))
                        return $"element {i}: {x[i]:R}, expected {y[i]:R}";
                }
                return null;
            }
            case DType.Int64: return Exact(a.AsSpan<long>(), e.AsSpan<long>());
            case DType.Int32: return Exact(a.AsSpan<int>(), e.AsSpan<int>());
            case DType.Int8: return Exact(a.AsSpan<sbyte>(), e.AsSpan<sbyte>());
            case DType.UInt8: return Exact(a.AsSpan<byte>(), e.AsSpan<byte>());
            case DType.Bool: return Exact(a.AsSpan<bool>(), e.AsSpan<bool>());
            default: return $"cannot compare {actual.DType.Name()}";
        }
    }

    private static string? Exact<T>(ReadOnlySpan<T> x, ReadOnlySpan<T> y) where T : unmanaged, IEquatable<T>
    {
        for (var i = 0; i < x.Length; i++)
            if (!x[i].Equals(y[i])) return $"element {i}: {x[i]}, expected {y[i]}";
        return null;
    }
}
