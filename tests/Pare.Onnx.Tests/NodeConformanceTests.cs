using Pare.Onnx.Conformance;

namespace Pare.Onnx.Tests;

/// <summary>ONNX's own node test suite (../shared/data/onnx-node-tests): no supported case may fail.</summary>
public class NodeConformanceTests
{
    private const string Suite = "shared/data/onnx-node-tests";

    [SharedDataFact(Suite)]
    public void NoSupportedCaseFails()
    {
        var results = ConformanceRunner.FindCases(Paths.Resolve(Suite)).Select(ConformanceRunner.Run).ToList();
        var failures = results.Where(r => r.Outcome == CaseOutcome.Failed).Select(r => $"{r.Name}: {r.Reason}").ToList();
        Assert.True(failures.Count == 0, $"{failures.Count} cases failed:\n{string.Join("\n", failures)}");
    }
}
