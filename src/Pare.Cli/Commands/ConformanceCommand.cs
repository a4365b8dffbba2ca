using System.CommandLine;
using System.Text.Json;
using Pare.Onnx.Conformance;

namespace Pare.Cli.Commands;

/// <summary><c>pare conformance DIR [--json] [--filter TEXT] [--skip-list FILE]</c>: runs every ONNX test case under DIR, prints a line per failing or
/// skipped case, then totals (with --json, a last line {"passed": P, "failed": F, "skipped": S}).</summary>
internal static class ConformanceCommand
{
    public static Command Create(TextWriter output)
    {
        var dir = new Argument<string>("DIR") { Description = "folder searched for test cases (model.onnx + test_data_set_*)" };
        var json = new Option<bool>("--json") { Description = "end with one JSON line of totals" };
        var filter = new Option<string?>("--filter") { Description = "only cases whose folder name contains this text" };
        var skipList = new Option<string?>("--skip-list") { Description = "write the skipped cases and their reasons to this TSV file" };
        var threads = CommonOptions.Threads();
        var command = new Command("conformance", "Run ONNX backend test cases and compare outputs") { dir, json, filter, skipList, threads };
        command.SetAction(parsed =>
        {
            CommonOptions.ApplyThreads(parsed.GetValue(threads));
            var root = parsed.GetValue(dir)!;
            if (!Directory.Exists(root)) throw new DirectoryNotFoundException($"{root}: no such folder");
            var text = parsed.GetValue(filter);
            int passed = 0, failed = 0, skipped = 0;
            var results = new List<CaseResult>();
            foreach (var folder in ConformanceRunner.FindCases(root))
            {
                if (text is not null && !Path.GetFileName(folder).Contains(text, StringComparison.Ordinal)) continue;
                var result = ConformanceRunner.Run(folder);
                results.Add(result);
                switch (result.Outcome)
                {
                    case CaseOutcome.Passed: passed++; break;
                    case CaseOutcome.Failed: failed++; output.WriteLine($"FAIL {result.Name}: {result.Reason}"); break;
                    default: skipped++; output.WriteLine($"SKIP {result.Name}: {result.Reason}"); break;
                }
            }
            output.WriteLine($"{passed} passed, {failed} failed, {skipped} skipped");
            if (parsed.GetValue(skipList) is { } listPath) SkipList.Write(listPath, results, root);
            if (parsed.GetValue(json))
                output.WriteLine(JsonSerializer.Serialize(new Dictionary<string, int> { ["passed"] = passed, ["failed"] = failed, ["skipped"] = skipped }));
            return failed == 0 ? ExitCodes.Ok : ExitCodes.CheckFailed;
        });
        return command;
    }
}
