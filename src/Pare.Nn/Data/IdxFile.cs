using System.Buffers.Binary;
using System.IO.Compression;

namespace Pare.Nn.Data;

/// <summary>Reader of the IDX format (MNIST, Fashion-MNIST): a big-endian header — two zero bytes, a type byte
/// (0x08 = uint8), the number of dimensions — one uint32 per dimension, then the values. Gzip-compressed
/// files are recognised by their magic bytes. Every inconsistency is an <see cref="InvalidDataException"/>
/// naming the file.</summary>
public static class IdxFile
{
    private const int MaxRank = 4;

    /// <summary>Reads a uint8 IDX file (optionally gzip-compressed).</summary>
    /// <returns>the dimensions and the values, row-major</returns>
    public static (int[] Dims, byte[] Values) ReadBytes(string path)
    {
        if (!File.Exists(path))
            throw new FileNotFoundException($"IDX file not found: {path}", path);
        byte[] raw;
        try
        {
            raw = Decompress(path);
        }
        catch (InvalidDataException e)
        {
            throw new InvalidDataException($"{path}: corrupt gzip stream ({e.Message})", e);
        }
        if (raw.Length < 4 || raw[0] != 0 || raw[1] != 0)
            throw new InvalidDataException($"{path}: not an IDX file (bad magic)");
        if (raw[2] != 0x08)
            throw new InvalidDataException($"{path}: IDX element type 0x{raw[2]:x2} is not uint8 (0x08)");
        int rank = raw[3];
        if (rank is 0 or > MaxRank)
            throw new InvalidDataException($"{path}: IDX rank {rank} is outside 1..{MaxRank}");
        int header = 4 + 4 * rank;
        if (raw.Length < header)
            throw new InvalidDataException($"{path}: truncated IDX header");
        var dims = new int[rank];
        long count = 1;
        for (int i = 0; i < rank; i++)
        {
            uint d = BinaryPrimitives.ReadUInt32BigEndian(raw.AsSpan(4 + 4 * i));
            count *= d;
            if (d > int.MaxValue || count > raw.Length)
                throw new InvalidDataException($"{path}: IDX dimensions declare more values than the file holds");
            dims[i] = (int)d;
        }
        if (raw.Length - header != count)
            throw new InvalidDataException($"{path}: IDX header declares {count} values but the file holds {raw.Length - header}");
        return (dims, raw[header..]);
    }

    private static byte[] Decompress(string path)
    {
        using var file = File.OpenRead(path);
        int b0 = file.ReadByte(), b1 = file.ReadByte();
        file.Position = 0;
        Stream source = b0 == 0x1f && b1 == 0x8b ? new GZipStream(file, CompressionMode.Decompress) : file;
        using var buffer = new MemoryStream();
        // The largest IDX file we accept decompresses to 256 MiB (Fashion-MNIST train is 47 MB): a gzip bomb
        // stops here instead of exhausting memory.
        const long Limit = 256L << 20;
        var chunk = new byte[1 << 16];
        int n;
        while ((n = source.Read(chunk, 0, chunk.Length)) > 0)
        {
            if (buffer.Length + n > Limit)
                throw new InvalidDataException($"{path}: decompresses to more than {Limit >> 20} MiB");
            buffer.Write(chunk, 0, n);
        }
        if (!ReferenceEquals(source, file)) source.Dispose();
        return buffer.ToArray();
    }
}
