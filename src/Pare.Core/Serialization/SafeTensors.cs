using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;

namespace Pare.Core.Serialization;

/// <summary>The safetensors format (readable by PyTorch, JAX and Hugging Face tools): an 8-byte little-endian
/// header length, a JSON header mapping each tensor name to its dtype, shape and [begin, end) byte range in
/// the data section, optional string metadata under "__metadata__", then the raw little-endian data.
/// The reader checks every field against the file before allocating (hostile headers cannot cause huge
/// allocations or out-of-range reads) and names the file and tensor in every error.</summary>
public static class SafeTensors
{
    /// <summary>Largest JSON header accepted (the reference implementation's limit is 100 MB).</summary>
    public const long MaxHeaderBytes = 100_000_000;

    private const string MetadataKey = "__metadata__";

    /// <summary>Writes named tensors (and optional string metadata) atomically to <paramref name="path"/>. Names
    /// are written in ordinal order so that equal inputs give byte-identical files.</summary>
    public static void Write(string path, IReadOnlyDictionary<string, Tensor> tensors, IReadOnlyDictionary<string, string>? metadata = null)
    {
        ArgumentNullException.ThrowIfNull(tensors);
        var names = tensors.Keys.Order(StringComparer.Ordinal).ToList();
        var header = new Dictionary<string, object>(StringComparer.Ordinal);
        if (metadata is { Count: > 0 }) header[MetadataKey] = metadata;
        long offset = 0;
        foreach (var name in names)
        {
            var t = tensors[name];
            long bytes = (long)t.Count * t.DType.SizeOf();
            header[name] = new Dictionary<string, object>
            {
                ["dtype"] = Code(t.DType),
                ["shape"] = t.Shape.Dims.ToArray(),
                ["data_offsets"] = new[] { offset, offset + bytes },
            };
            offset += bytes;
        }
        var json = JsonSerializer.SerializeToUtf8Bytes(header);
        // Pad the header with spaces so the data section starts 8-byte aligned, as the reference writer does.
        int padded = (json.Length + 7) / 8 * 8;
        AtomicFile.Write(path, stream =>
        {
            Span<byte> len = stackalloc byte[8];
            BinaryPrimitives.WriteUInt64LittleEndian(len, (ulong)padded);
            stream.Write(len);
            stream.Write(json);
            for (int i = json.Length; i < padded; i++) stream.WriteByte((byte)' ');
            foreach (var name in names) WriteData(stream, tensors[name]);
        });
    }

    /// <summary>Reads every tensor of a safetensors file.</summary>
    /// <returns>the tensors by name and the metadata (empty when absent)</returns>
    public static (Dictionary<string, Tensor> Tensors, Dictionary<string, string> Metadata) Read(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"safetensors file not found: {path}", path);
        using var file = File.OpenRead(path);
        long length = file.Length;
        Span<byte> len = stackalloc byte[8];
        if (file.Read(len) != 8) throw Bad(path, "file is shorter than the 8-byte header length");
        ulong headerLen = BinaryPrimitives.ReadUInt64LittleEndian(len);
        if (headerLen > MaxHeaderBytes || (long)headerLen > length - 8)
            throw Bad(path, $"header length {headerLen} exceeds the file ({length} bytes) or the {MaxHeaderBytes}-byte limit");
        var headerBytes = new byte[headerLen];
        file.ReadExactly(headerBytes);
        long dataStart = 8 + (long)headerLen, dataLength = length - dataStart;

        JsonDocument doc;
        try
        {
            doc = JsonDocument.Parse(headerBytes, new JsonDocumentOptions { MaxDepth = 8 });
        }
        catch (JsonException e)
        {
            throw Bad(path, $"header is not valid JSON ({e.Message})");
        }
        using (doc)
        {
            if (doc.RootElement.ValueKind != JsonValueKind.Object) throw Bad(path, "header is not a JSON object");
            var metadata = new Dictionary<string, string>(StringComparer.Ordinal);
            var entries = new List<(string Name, DType Type, int[] Shape, long Begin, long End)>();
            foreach (var prop in doc.RootElement.EnumerateObject())
            {
                if (prop.Name == MetadataKey)
                {
                    if (prop.Value.ValueKind != JsonValueKind.Object) throw Bad(path, "__metadata__ is not an object");
                    foreach (var m in prop.Value.EnumerateObject())
                        metadata[m.Name] = m.Value.ValueKind == JsonValueKind.String ? m.Value.GetString()! : throw Bad(path, $"metadata '{m.Name}' is not a string");
                    continue;
                }
                entries.Add(ParseEntry(path, prop, dataLength));
            }
            CheckLayout(path, entries, dataLength);
            var tensors = new Dictionary<string, Tensor>(StringComparer.Ordinal);
            foreach (var e in entries)
            {
                file.Position = dataStart + e.Begin;
                tensors[e.Name] = ReadData(file, e.Type, e.Shape, path, e.Name);
            }
            return (tensors, metadata);
        }
    }

    private static (string, DType, int[], long, long) ParseEntry(string path, JsonProperty prop, long dataLength)
    {
        var v = prop.Value;
        if (v.ValueKind != JsonValueKind.Object
            || !v.TryGetProperty("dtype", out var dt) || dt.ValueKind != JsonValueKind.String
            || !v.TryGetProperty("shape", out var sh) || sh.ValueKind != JsonValueKind.Array
            || !v.TryGetProperty("data_offsets", out var off) || off.ValueKind != JsonValueKind.Array || off.GetArrayLength() != 2)
            throw Bad(path, $"tensor '{prop.Name}' needs dtype, shape and two data_offsets");
        var type = dt.GetString() switch
        {
            "F32" => DType.Float32,
            "I8" => DType.Int8,
            "U8" => DType.UInt8,
            "I32" => DType.Int32,
            "I64" => DType.Int64,
            "BOOL" => DType.Bool,
            var other => throw Bad(path, $"tensor '{prop.Name}' has unsupported dtype '{other}'"),
        };
        var dims = new int[sh.GetArrayLength()];
        long count = 1;
        int i = 0;
        foreach (var d in sh.EnumerateArray())
        {
            if (!d.TryGetInt64(out long size) || size < 0 || size > int.MaxValue) throw Bad(path, $"tensor '{prop.Name}' has an invalid dimension");
            count = count * size;
            if (count * type.SizeOf() > dataLength && size != 0) throw Bad(path, $"tensor '{prop.Name}' declares more data than the file holds");
            dims[i++] = (int)size;
        }
        if (!off[0].TryGetInt64(out long begin) || !off[1].TryGetInt64(out long end) || begin < 0 || end < begin || end > dataLength)
            throw Bad(path, $"tensor '{prop.Name}' has data_offsets outside the data section ({dataLength} bytes)");
        if (end - begin != count * type.SizeOf())
            throw Bad(path, $"tensor '{prop.Name}' of shape ({string.Join(", ", dims)}) {type.Name()} needs {count * type.SizeOf()} bytes, its offsets span {end - begin}");
        return (prop.Name, type, dims, begin, end);
    }

    // The format requires the byte ranges to tile the data section exactly: no gaps, no overlaps.
    private static void CheckLayout(string path, List<(string Name, DType Type, int[] Shape, long Begin, long End)> entries, long dataLength)
    {
        long at = 0;
        foreach (var e in entries.OrderBy(e => e.Begin).ThenBy(e => e.End))
        {
            if (e.Begin != at) throw Bad(path, $"tensor '{e.Name}' starts at byte {e.Begin}, expected {at} (overlapping or gapped data)");
            at = e.End;
        }
        if (at != dataLength) throw Bad(path, $"data section has {dataLength} bytes but the tensors cover {at}");
    }

    private static Tensor ReadData(Stream s, DType type, int[] shape, string path, string name)
    {
        try
        {
            return type switch
            {
                DType.Float32 => Fill<float>(s, shape),
                DType.Int8 => Fill<sbyte>(s, shape),
                DType.UInt8 => Fill<byte>(s, shape),
                DType.Int32 => Fill<int>(s, shape),
                DType.Int64 => Fill<long>(s, shape),
                DType.Bool => FillBool(s, shape),
                _ => throw new InvalidOperationException(),
            };
        }
        catch (ArgumentException e)
        {
            throw Bad(path, $"tensor '{name}': {e.Message}");
        }
    }

    private static Tensor Fill<T>(Stream s, int[] shape) where T : unmanaged
    {
        var t = Tensor.Zeros(shape, DTypes.Of<T>());
        s.ReadExactly(MemoryMarshal.AsBytes(t.AsSpan<T>()));
        if (!BitConverter.IsLittleEndian) throw new PlatformNotSupportedException("big-endian hosts are not supported");
        return t;
    }

    private static Tensor FillBool(Stream s, int[] shape)
    {
        var raw = new byte[new Shape(shape).ElementCount];
        s.ReadExactly(raw);
        return Tensor.Wrap(raw.Select(b => b != 0).ToArray(), shape);
    }

    private static void WriteData(Stream s, Tensor t)
    {
        switch (t.DType)
        {
            case DType.Float32: s.Write(MemoryMarshal.AsBytes<float>(t.ToArray<float>())); break;
            case DType.Int8: s.Write(MemoryMarshal.AsBytes<sbyte>(t.ToArray<sbyte>())); break;
            case DType.UInt8: s.Write(t.ToArray<byte>()); break;
            case DType.Int32: s.Write(MemoryMarshal.AsBytes<int>(t.ToArray<int>())); break;
            case DType.Int64: s.Write(MemoryMarshal.AsBytes<long>(t.ToArray<long>())); break;
            case DType.Bool: s.Write(t.ToArray<bool>().Select(b => (byte)(b ? 1 : 0)).ToArray()); break;
        }
    }

    private static string Code(DType t) => t switch
    {
        DType.Float32 => "F32",
        DType.Int8 => "I8",
        DType.UInt8 => "U8",
        DType.Int32 => "I32",
        DType.Int64 => "I64",
        DType.Bool => "BOOL",
        _ => throw new ArgumentOutOfRangeException(nameof(t)),
    };

    private static InvalidDataException Bad(string path, string what) => new($"{path}: {what}");
}
