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

    /// <summary>The most values a file may declare: 256 MiB (Fashion-MNIST's training images are 47 MB), so that a
    /// hostile header or a gzip bomb stops before it allocates.</summary>
    private const long MaxValues = 256L << 20;

    /// <summary>Reads a uint8 IDX file (optionally gzip-compressed). The values are read straight from the
    /// (decompressing) stream into one array of the declared size: no whole-file buffer, no second copy.</summary>
    /// <returns>the dimensions and the values, row-major</returns>
    public static (int[] Dims, byte[] Values) ReadBytes(string path)
    {
        if (!File.Exists(path))
            throw new FileNotFoundException($"IDX file not found: {path}", path);
        try
        {
            using var file = File.OpenRead(path);
            int b0 = file.ReadByte(), b1 = file.ReadByte();
            file.Position = 0;
            bool gzip = b0 == 0x1f && b1 == 0x8b;
            using Stream source = gzip ? new GZipStream(file, CompressionMode.Decompress) : file;
            return Read(path, source, gzip ? MaxValues : file.Length);
        }
        catch (InvalidDataException e) when (!e.Message.StartsWith(path, StringComparison.Ordinal))
        {
            throw new InvalidDataException($"{path}: corrupt gzip stream ({e.Message})", e);
        }
    }

    /// <param name="path">for messages</param>
    /// <param name="source">the uncompressed IDX bytes</param>
    /// <param name="maxBytes">an upper bound of the uncompressed size (the file length when not compressed)</param>
    private static (int[] Dims, byte[] Values) Read(string path, Stream source, long maxBytes)
    {
        Span<byte> head = stackalloc byte[4 + 4 * MaxRank];
        if (source.ReadAtLeast(head[..4], 4, throwOnEndOfStream: false) < 4 || head[0] != 0 || head[1] != 0)
            throw new InvalidDataException($"{path}: not an IDX file (bad magic)");
        if (head[2] != 0x08)
            throw new InvalidDataException($"{path}: IDX element type 0x{head[2]:x2} is not uint8 (0x08)");
        int rank = head[3];
        if (rank is 0 or > MaxRank)
            throw new InvalidDataException($"{path}: IDX rank {rank} is outside 1..{MaxRank}");
        int header = 4 + 4 * rank;
        if (source.ReadAtLeast(head[4..header], header - 4, throwOnEndOfStream: false) < header - 4)
            throw new InvalidDataException($"{path}: truncated IDX header");
        var dims = new int[rank];
        long count = 1;
        for (int i = 0; i < rank; i++)
        {
            uint d = BinaryPrimitives.ReadUInt32BigEndian(head[(4 + 4 * i)..]);
            count *= d;
            if (d > int.MaxValue || count > Math.Min(maxBytes - header, MaxValues))
                throw new InvalidDataException($"{path}: IDX dimensions declare more values than the file holds (at most {Math.Min(maxBytes - header, MaxValues)})");
            dims[i] = (int)d;
        }
        var values = new byte[count];
        int read = source.ReadAtLeast(values, values.Length, throwOnEndOfStream: false);
        if (read < count)
            throw new InvalidDataException($"{path}: IDX header declares {count} values but the file holds {read}");
        if (source.ReadByte() >= 0)
            throw new InvalidDataException($"{path}: IDX header declares {count} values but the file holds more");
        return (dims, values);
    }
}
