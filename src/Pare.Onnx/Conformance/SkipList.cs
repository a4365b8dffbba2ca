using System.Text;
using Pare.Core.Serialization;

namespace Pare.Onnx.Conformance;

/// <summary>The list of skipped conformance cases with their reasons, kept in the repository
/// (<c>conformance/onnx-node-tests-skipped.tsv</c>) so every skip is visible and reviewed: a tab-separated file with
/// a header line, then "case&lt;TAB&gt;reason" per skipped case, sorted by case name.</summary>
public static class SkipList
{
    /// <summary>Writes the skipped cases of <paramref name="results"/> atomically; paths under
    /// <paramref name="root"/> are written relative to it so the file does not depend on the machine.</summary>
    public static void Write(string path, IEnumerable<CaseResult> results, string root)
    {
        var prefix = Path.GetFullPath(root).TrimEnd(Path.DirectorySeparatorChar) + Path.DirectorySeparatorChar;
        var text = new StringBuilder("case\treason\n");
        foreach (var r in results.Where(r => r.Outcome == CaseOutcome.Skipped).OrderBy(r => r.Name, StringComparer.Ordinal))
        {
            var reason = r.Reason.Replace(prefix, "", StringComparison.Ordinal).Replace(root.TrimEnd('/') + "/", "", StringComparison.Ordinal);
            text.Append(r.Name).Append('\t').Append(reason.Replace('\t', ' ').Replace('\n', ' ')).Append('\n');
        }
        AtomicFile.Write(path, stream => stream.Write(Encoding.UTF8.GetBytes(text.ToString())));
    }

    /// <summary>Case name → reason, as written by <see cref="Write"/>.</summary>
    public static IReadOnlyDictionary<string, string> Read(string path) =>
        File.ReadLines(path).Skip(1).Where(l => l.Length > 0)
            .Select(l => l.Split('\t', 2))
            .ToDictionary(p => p[0], p => p.Length > 1 ? p[1] : "", StringComparer.Ordinal);
}
