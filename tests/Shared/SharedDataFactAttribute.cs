namespace Pare.Tests;

/// <summary>An integration test on real data under ../shared (beside the clone, as CI has it) or a system data
/// set; skipped, with a message naming what is missing, when the files are absent.</summary>
public sealed class SharedDataFactAttribute : FactAttribute
{
    public SharedDataFactAttribute(params string[] relativePaths)
    {
        Skip = Paths.MissingMessage(relativePaths);
    }
}

/// <summary>Locations of the repository, ../shared and the embedded data.</summary>
public static class Paths
{
    /// <summary>Null when every path exists, else a skip message naming the missing ones.</summary>
    public static string? MissingMessage(string[] relativePaths)
    {
        var missing = relativePaths.Where(p => !File.Exists(Resolve(p)) && !Directory.Exists(Resolve(p))).ToList();
        return missing.Count == 0 ? null
            : $"needs {string.Join(", ", missing.Select(Resolve))} (../shared beside the repository, or the Debian package)";
    }

    /// <summary>The repository root (the folder holding Pare.slnx).</summary>
    public static string Repo { get; } = FindRepo();

    /// <summary>Absolute paths stay; "shared/data/..." resolves in $PARE_SHARED_DATA when set (as the data catalog
    /// does), other "shared/..." beside the repository; the rest inside it.</summary>
    public static string Resolve(string path) =>
        Path.IsPathRooted(path) ? path
        : path.StartsWith("shared/data/", StringComparison.Ordinal) && Environment.GetEnvironmentVariable("PARE_SHARED_DATA") is { Length: > 0 } data
            ? Path.Combine(data, path["shared/data/".Length..])
        : path.StartsWith("shared/", StringComparison.Ordinal) ? Path.GetFullPath(Path.Combine(Repo, "..", path))
        : Path.Combine(Repo, path);

    private static string FindRepo()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Pare.slnx"))) dir = dir.Parent;
        return dir?.FullName ?? throw new InvalidOperationException("Pare.slnx not found above the test binaries");
    }
}

/// <summary>A theory over real data under ../shared; skipped, with a message naming what is missing, when absent.</summary>
public sealed class SharedDataTheoryAttribute : TheoryAttribute
{
    public SharedDataTheoryAttribute(params string[] relativePaths)
    {
        Skip = Paths.MissingMessage(relativePaths);
    }
}
