using System.Runtime.CompilerServices;
using Pare.Onnx.Conformance;

namespace Pare.Onnx.Tests;

/// <summary>The committed ONNX cases of tests/fixtures/gen_onnx_shape.py (shape and indexing ops at old opsets and on
/// integer and bool data): every one must pass.</summary>
public class ShapeOpCaseTests
{
    private static string Folder([CallerFilePath] string here = "") => Path.Combine(Path.GetDirectoryName(here)!, "Cases", "shape-ops");

    public static TheoryData<string> Cases() => [.. ConformanceRunner.FindCases(Folder()).Select(f => Path.GetFileName(f))];

    [Theory]
    [MemberData(nameof(Cases))]
    public void Case_passes(string name)
    {
        var result = ConformanceRunner.Run(Path.Combine(Folder(), name));
        Assert.True(result.Outcome == CaseOutcome.Passed, $"{name}: {result.Outcome} {result.Reason}");
    }
}
