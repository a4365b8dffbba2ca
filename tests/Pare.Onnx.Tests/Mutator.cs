namespace Pare.Onnx.Tests;

/// <summary>Seeded mutations of protobuf bytes: bit flips, byte changes, truncations, inserted bytes, and corrupted
/// varint lengths of length-delimited fields (found by walking the wire format, nested messages included).</summary>
internal sealed class Mutator
{
    private readonly byte[] _original;
    private readonly List<(int Position, int Size)> _lengths = [];

    public Mutator(byte[] original)
    {
        _original = original;
        Walk(0, original.Length, 0);
    }

    /// <summary>Positions of the length varints found (for the test's report).</summary>
    public int LengthFields => _lengths.Count;

    /// <summary>Mutation <paramref name="seed"/>: a copy of the bytes and a description of what changed.</summary>
    public (byte[] Bytes, string What) Mutate(int seed)
    {
        var rng = new System.Random(seed);
        var kind = seed % 5;
        var bytes = (byte[])_original.Clone();
        switch (kind)
        {
            case 0:
            {
                var flips = 1 + rng.Next(4);
                var where = new List<int>();
                for (var i = 0; i < flips; i++)
                {
                    var p = rng.Next(bytes.Length);
                    bytes[p] ^= (byte)(1 << rng.Next(8));
                    where.Add(p);
                }
                return (bytes, $"bit flips at {string.Join(",", where)}");
            }
            case 1:
            {
                var p = rng.Next(bytes.Length);
                bytes[p] = (byte)rng.Next(256);
                return (bytes, $"byte {p} = {bytes[p]}");
            }
            case 2:
            {
                var length = rng.Next(bytes.Length);
                return (bytes[..length], $"truncated to {length}");
            }
            case 3:
            {
                var p = rng.Next(bytes.Length + 1);
                var extra = new byte[1 + rng.Next(8)];
                rng.NextBytes(extra);
                return ([.. bytes[..p], .. extra, .. bytes[p..]], $"{extra.Length} bytes inserted at {p}");
            }
            default:
            {
                if (_lengths.Count == 0) goto case 1;
                var (p, size) = _lengths[rng.Next(_lengths.Count)];
                var old = ReadVarint(bytes, p, out _);
                ulong value = rng.Next(4) switch
                {
                    0 => old + 1 + (ulong)rng.Next(16),
                    1 => old == 0 ? 0 : old - 1 - (ulong)rng.Next((int)Math.Min(old, 16)),
                    2 => (ulong)rng.NextInt64(0, 1L << 40),
                    _ => ulong.MaxValue >> rng.Next(64),
                };
                var encoded = Varint(value);
                return ([.. bytes[..p], .. encoded, .. bytes[(p + size)..]], $"length at {p}: {old} → {value}");
            }
        }
    }

    private void Walk(int start, int end, int depth)
    {
        var p = start;
        while (p < end)
        {
            var tag = ReadVarint(_original, p, out var tagSize);
            if (tagSize == 0 || p + tagSize > end) return;
            p += tagSize;
            switch ((int)(tag & 7))
            {
                case 0:
                    ReadVarint(_original, p, out var size);
                    if (size == 0) return;
                    p += size;
                    break;
                case 1: p += 8; break;
                case 5: p += 4; break;
                case 2:
                    var length = ReadVarint(_original, p, out var lengthSize);
                    if (lengthSize == 0 || length > (ulong)(end - p - lengthSize)) return;
                    _lengths.Add((p, lengthSize));
                    p += lengthSize;
                    // descend into what may be a nested message (strings and raw data usually stop the walk early)
                    if (depth < 12) Walk(p, p + (int)length, depth + 1);
                    p += (int)length;
                    break;
                default: return;
            }
        }
    }

    private static ulong ReadVarint(byte[] bytes, int p, out int size)
    {
        ulong value = 0;
        for (var i = 0; i < 10 && p + i < bytes.Length; i++)
        {
            value |= (ulong)(bytes[p + i] & 0x7F) << (7 * i);
            if ((bytes[p + i] & 0x80) == 0)
            {
                size = i + 1;
                return value;
            }
        }
        size = 0;
        return 0;
    }

    private static byte[] Varint(ulong value)
    {
        var result = new List<byte>();
        do
        {
            var b = (byte)(value & 0x7F);
            value >>= 7;
            result.Add(value != 0 ? (byte)(b | 0x80) : b);
        } while (value != 0);
        return [.. result];
    }
}
