using Pare.Nn.Training;

namespace Pare.Cli.Tests;

/// <summary>A test that trains on ../shared/data (beside the repository, or $PARE_SHARED_DATA, as the data catalog
/// looks); skipped, with a message naming the folder, when it is absent.</summary>
public sealed class SharedDataFactAttribute : FactAttribute
{
    public SharedDataFactAttribute(string folder)
    {
        if (!Directory.Exists(SharedData.Folder(folder)))
            Skip = $"needs {SharedData.Folder(folder)} (../shared/data beside the repository, or set {DataCatalog.SharedDataVariable})";
    }
}

/// <summary>Where the shared data is for these tests.</summary>
public static class SharedData
{
    /// <summary>The folder <paramref name="name"/> of the shared data.</summary>
    public static string Folder(string name)
    {
        if (Environment.GetEnvironmentVariable(DataCatalog.SharedDataVariable) is { Length: > 0 } set) return Path.Combine(set, name);
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Pare.slnx"))) dir = dir.Parent;
        return Path.GetFullPath(Path.Combine(dir?.FullName ?? AppContext.BaseDirectory, "..", "shared", "data", name));
    }
}
