using Google.Protobuf;
using Pare.Core.Serialization;
using Pare.Graph;
using Pare.Onnx.Proto;

namespace Pare.Onnx;

/// <summary>Reads and writes ONNX model files.</summary>
public static class OnnxModel
{
    /// <summary>Largest model file read into memory (protobuf's own 2 GB message limit); bigger models keep their
    /// weights in external data files.</summary>
    public const long MaxFileBytes = int.MaxValue;

    /// <summary>Deepest protobuf message nesting accepted (deeper files are refused, not parsed recursively).</summary>
    public const int MaxMessageDepth = 100;

    /// <summary>Loads <paramref name="path"/>; external data is read from the model's folder. Errors name the file
    /// and the node or field: <see cref="OnnxFormatException"/> for a corrupt or hostile file,
    /// <see cref="UnsupportedOpException"/> for something valid Pare cannot represent.</summary>
    public static Model Load(string path)
    {
        var info = new FileInfo(path);
        if (!info.Exists) throw new OnnxFormatException($"{path}: no such file");
        if (info.Length > MaxFileBytes)
            throw new OnnxFormatException($"{path}: {info.Length} bytes is over protobuf's 2 GB limit; keep weights in external data files");
        var bytes = File.ReadAllBytes(path);
        return Parse(bytes, path, new ExternalData(Path.GetDirectoryName(Path.GetFullPath(path))!));
    }

    /// <summary>Parses model bytes that have no folder (external data is refused).</summary>
    public static Model Parse(byte[] bytes, string name = "<memory>") => Parse(bytes, name, null);

    private static Model Parse(byte[] bytes, string name, ExternalData? external)
    {
        ModelProto proto;
        try
        {
            proto = ModelProto.Parser.ParseFrom(CodedInputStream.CreateWithLimits(new MemoryStream(bytes, false), bytes.Length + 1, MaxMessageDepth));
        }
        catch (InvalidProtocolBufferException e)
        {
            throw new OnnxFormatException($"{name}: not a valid ONNX model ({e.Message})", e);
        }
        return OnnxImporter.Import(proto, name, external);
    }

    /// <summary>Model size (bytes of initializer data) above which <see cref="Save"/> keeps weights in an external
    /// data file: protobuf cannot hold a message of 2 GB or more.</summary>
    public const long ExternalDataThreshold = 1L << 30;

    /// <summary>Writes <paramref name="model"/> to <paramref name="path"/> atomically (temporary file, then rename).
    /// When its weights exceed <paramref name="externalAbove"/> bytes (default <see cref="ExternalDataThreshold"/>),
    /// every initializer of 1 KiB or more goes to <c>&lt;file&gt;.data</c> beside it, as ONNX's external data, which
    /// is written first so the model never points at a missing file.</summary>
    public static void Save(Model model, string path, long? externalAbove = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        var proto = OnnxExporter.Export(model);
        var weightBytes = proto.Graph.Initializer.Sum(t => (long)t.RawData.Length);
        if (weightBytes > (externalAbove ?? ExternalDataThreshold))
        {
            var dataName = Path.GetFileName(path) + ".data";
            var large = proto.Graph.Initializer.Where(t => t.RawData.Length >= 1024).ToList();
            AtomicFile.Write(Path.Combine(Path.GetDirectoryName(Path.GetFullPath(path))!, dataName), stream =>
            {
                foreach (var tensor in large)
                {
                    var offset = stream.Position;
                    tensor.RawData.WriteTo(stream);
                    tensor.ExternalData.Add(new StringStringEntryProto { Key = "location", Value = dataName });
                    tensor.ExternalData.Add(new StringStringEntryProto { Key = "offset", Value = offset.ToString(System.Globalization.CultureInfo.InvariantCulture) });
                    tensor.ExternalData.Add(new StringStringEntryProto { Key = "length", Value = tensor.RawData.Length.ToString(System.Globalization.CultureInfo.InvariantCulture) });
                    tensor.DataLocation = TensorProto.Types.DataLocation.External;
                    tensor.RawData = ByteString.Empty;
                }
            });
        }
        AtomicFile.Write(path, stream => proto.WriteTo(stream));
    }

    /// <summary>The ONNX bytes of <paramref name="model"/>.</summary>
    public static byte[] ToBytes(Model model) => OnnxExporter.Export(model).ToByteArray();
}
