using Pare.Onnx.Conformance;

namespace Pare.Onnx.Tests;

/// <summary>ONNX's own node test suite (../shared/data/onnx-node-tests): no supported case may fail.</summary>
public class NodeConformanceTests
{
    private const string Suite = "shared/data/onnx-node-tests";

    /// <summary>The committed list of skipped cases, regenerated with
    /// <c>pare conformance ../shared/data/onnx-node-tests --skip-list conformance/onnx-node-tests-skipped.tsv</c>.</summary>
    private const string SkipFile = "conformance/onnx-node-tests-skipped.tsv";

    [SharedDataFact(Suite)]
    public void NoSupportedCaseFailsAndEverySkipIsListed()
    {
        var results = ConformanceRunner.FindCases(Paths.Resolve(Suite)).Select(ConformanceRunner.Run).ToList();
        var failures = results.Where(r => r.Outcome == CaseOutcome.Failed).Select(r => $"{r.Name}: {r.Reason}").ToList();
        Assert.True(failures.Count == 0, $"{failures.Count} cases failed:\n{string.Join("\n", failures)}");
        Assert.True(results.Count(r => r.Outcome == CaseOutcome.Passed) >= 600, "fewer than 600 cases pass");

        var listed = SkipList.Read(Paths.Resolve(SkipFile));
        var skipped = results.Where(r => r.Outcome == CaseOutcome.Skipped).Select(r => r.Name).ToHashSet();
        var unlisted = skipped.Except(listed.Keys).Order().ToList();
        var stale = listed.Keys.Except(skipped).Order().ToList();
        Assert.True(unlisted.Count == 0 && stale.Count == 0,
            $"{SkipFile} is out of date: skipped but not listed: {string.Join(", ", unlisted)}; listed but not skipped: {string.Join(", ", stale)}");
        Assert.All(listed, entry => Assert.False(string.IsNullOrWhiteSpace(entry.Value), $"{entry.Key} has no reason"));
    }
}
