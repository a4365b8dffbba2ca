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

    /// <summary>Writes <paramref name="model"/> to <paramref name="path"/> atomically (temporary file, then rename).</summary>
    public static void Save(Model model, string path)
    {
        var proto = OnnxExporter.Export(model);
        AtomicFile.Write(path, stream => proto.WriteTo(stream));
    }

    /// <summary>The ONNX bytes of <paramref name="model"/>.</summary>
    public static byte[] ToBytes(Model model) => OnnxExporter.Export(model).ToByteArray();
}
