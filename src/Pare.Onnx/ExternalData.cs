using Pare.Onnx.Proto;

namespace Pare.Onnx;

/// <summary>Reads tensor data that a model keeps in files beside it (ONNX external data: <c>location</c>,
/// <c>offset</c>, <c>length</c>). A location must be a relative path that stays inside the model's folder after
/// resolving <c>..</c> and symbolic links; absolute paths, escapes and ranges beyond the file are refused.</summary>
internal sealed class ExternalData(string baseDirectory)
{
    private readonly string _base = Path.GetFullPath(baseDirectory);

    public byte[] Read(TensorProto proto, long expectedBytes, string where)
    {
        try
        {
            return ReadChecked(proto, expectedBytes, where);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        {
            // unreadable files, links to nowhere, over-long paths: the file system's reason, attributed to the field
            throw new OnnxFormatException($"{where}: external data cannot be read ({e.Message})", e);
        }
    }

    private byte[] ReadChecked(TensorProto proto, long expectedBytes, string where)
    {
        string? location = null;
        long offset = 0, length = -1;
        foreach (var entry in proto.ExternalData)
        {
            switch (entry.Key)
            {
                case "location": location = entry.Value; break;
                case "offset": offset = ParseLong(entry.Value, where, "offset"); break;
                case "length": length = ParseLong(entry.Value, where, "length"); break;
            }
        }
        if (string.IsNullOrEmpty(location)) throw new OnnxFormatException($"{where}: external data has no 'location'");
        var path = Resolve(location, where);
        if (length < 0) length = expectedBytes;
        if (length != expectedBytes)
            throw new OnnxFormatException($"{where}: external data length {length} does not match the {expectedBytes} bytes its dims need");
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read);
        if (offset < 0 || offset > stream.Length || stream.Length - offset < length)
            throw new OnnxFormatException($"{where}: external data range [{offset}, {offset + length}) lies outside '{location}' ({stream.Length} bytes)");
        var bytes = new byte[length];
        stream.Position = offset;
        stream.ReadExactly(bytes);
        return bytes;
    }

    private string Resolve(string location, string where)
    {
        if (Path.IsPathRooted(location) || location.Contains('\0'))
            throw new OnnxFormatException($"{where}: external data location '{location}' must be a path relative to the model's folder");
        var full = Path.GetFullPath(Path.Combine(_base, location));
        if (!Inside(full)) throw new OnnxFormatException($"{where}: external data location '{location}' leaves the model's folder");
        if (!File.Exists(full)) throw new OnnxFormatException($"{where}: external data file '{location}' does not exist beside the model");
        // every component, resolved through symbolic links, must stay inside the folder too
        var real = RealPath(full);
        if (!Inside(real)) throw new OnnxFormatException($"{where}: external data location '{location}' is a link that leaves the model's folder");
        return real;
    }

    private bool Inside(string path)
    {
        var root = RealPath(_base).TrimEnd(Path.DirectorySeparatorChar) + Path.DirectorySeparatorChar;
        return path.StartsWith(root, StringComparison.Ordinal);
    }

    private static string RealPath(string path)
    {
        var full = Path.GetFullPath(path);
        var root = Path.GetPathRoot(full)!;
        var current = root;
        foreach (var part in full[root.Length..].Split(Path.DirectorySeparatorChar, StringSplitOptions.RemoveEmptyEntries))
        {
            current = Path.Combine(current, part);
            for (var hops = 0; hops < 40; hops++)
            {
                FileSystemInfo info = Directory.Exists(current) ? new DirectoryInfo(current) : new FileInfo(current);
                if (info.LinkTarget is not { } target) break;
                current = Path.GetFullPath(Path.IsPathRooted(target) ? target : Path.Combine(Path.GetDirectoryName(current)!, target));
            }
        }
        return current;
    }

    private static long ParseLong(string text, string where, string key) =>
        long.TryParse(text, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var v)
            ? v : throw new OnnxFormatException($"{where}: external data '{key}' = '{text}' is not a non-negative integer");
}
