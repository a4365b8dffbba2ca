using Google.Protobuf;
using Pare.Core;
using Pare.Core.Serialization;
using Pare.Onnx.Proto;

namespace Pare.Onnx;

/// <summary>Single-tensor files in ONNX's test-vector layout (<c>input_K.pb</c>, <c>output_K.pb</c>: one serialized
/// <c>TensorProto</c>).</summary>
public static class TensorFile
{
    /// <summary>Reads the tensor in <paramref name="path"/> and the name stored with it.</summary>
    public static (string Name, Tensor Tensor) Read(string path)
    {
        if (!File.Exists(path)) throw new OnnxFormatException($"{path}: no such file");
        TensorProto proto;
        try
        {
            var bytes = File.ReadAllBytes(path);
            proto = TensorProto.Parser.ParseFrom(CodedInputStream.CreateWithLimits(new MemoryStream(bytes, false), bytes.Length + 1, OnnxModel.MaxMessageDepth));
        }
        catch (InvalidProtocolBufferException e)
        {
            throw new OnnxFormatException($"{path}: not a valid ONNX TensorProto ({e.Message})", e);
        }
        return (proto.Name, TensorCodec.FromProto(proto, path));
    }

    /// <summary>Writes <paramref name="tensor"/> named <paramref name="name"/> to <paramref name="path"/> atomically.</summary>
    public static void Write(string path, Tensor tensor, string name)
    {
        var proto = TensorCodec.ToProto(tensor, name);
        AtomicFile.Write(path, stream => proto.WriteTo(stream));
    }
}
