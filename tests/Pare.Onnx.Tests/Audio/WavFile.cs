using System.Buffers.Binary;
using System.Text;

namespace Pare.Onnx.Tests.Audio;

/// <summary>Reads 16-bit PCM mono WAV files as floats in [−1, 1) (sample / 32768), the way Silero's wrappers do.</summary>
public static class WavFile
{
    /// <summary>The samples and the sample rate of <paramref name="path"/>.</summary>
    public static (float[] Samples, int SampleRate) ReadMono16(string path)
    {
        var bytes = File.ReadAllBytes(path);
        if (bytes.Length < 12 || Ascii(bytes, 0) != "RIFF" || Ascii(bytes, 8) != "WAVE")
            throw new InvalidDataException($"{path}: not a RIFF/WAVE file");
        int rate = 0;
        bool format = false;
        for (int at = 12; at + 8 <= bytes.Length;)
        {
            var id = Ascii(bytes, at);
            int size = BinaryPrimitives.ReadInt32LittleEndian(bytes.AsSpan(at + 4));
            if (size < 0 || at + 8 + (long)size > bytes.Length) throw new InvalidDataException($"{path}: chunk '{id}' of {size} bytes runs past the end");
            var body = bytes.AsSpan(at + 8, size);
            if (id == "fmt ")
            {
                int tag = BinaryPrimitives.ReadUInt16LittleEndian(body), channels = BinaryPrimitives.ReadUInt16LittleEndian(body[2..]);
                int bits = BinaryPrimitives.ReadUInt16LittleEndian(body[14..]);
                if (tag != 1 || channels != 1 || bits != 16)
                    throw new InvalidDataException($"{path}: format {tag}, {channels} channels, {bits} bits; expected PCM (1), mono, 16 bits");
                rate = BinaryPrimitives.ReadInt32LittleEndian(body[4..]);
                format = true;
            }
            else if (id == "data")
            {
                if (!format) throw new InvalidDataException($"{path}: data chunk before the fmt chunk");
                var samples = new float[size / 2];
                for (int i = 0; i < samples.Length; i++)
                    samples[i] = BinaryPrimitives.ReadInt16LittleEndian(body[(2 * i)..]) / 32768f;
                return (samples, rate);
            }
            at += 8 + size + (size & 1); // chunks are padded to an even size
        }
        throw new InvalidDataException($"{path}: no data chunk");
    }

    private static string Ascii(byte[] bytes, int at) => Encoding.ASCII.GetString(bytes, at, 4);
}
