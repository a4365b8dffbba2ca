namespace Pare.Nn.Data;

/// <summary>Character-level vocabulary: the distinct characters of a corpus in ordinal order (as the PyTorch
/// peer builds it with sorted(set(text))), each mapped to its position.</summary>
public sealed class CharVocabulary
{
    private readonly Dictionary<char, int> _ids;

    /// <summary>Builds the vocabulary of <paramref name="text"/>.</summary>
    public CharVocabulary(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var chars = text.Distinct().Order().ToArray();
        Chars = chars;
        _ids = new Dictionary<char, int>(chars.Length);
        for (int i = 0; i < chars.Length; i++) _ids[chars[i]] = i;
    }

    /// <summary>The characters, by id.</summary>
    public IReadOnlyList<char> Chars { get; }

    /// <summary>Number of distinct characters.</summary>
    public int Count => Chars.Count;

    /// <summary>Ids of the characters of <paramref name="text"/>; an unknown character is an ArgumentException.</summary>
    public long[] Encode(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var ids = new long[text.Length];
        for (int i = 0; i < text.Length; i++)
        {
            if (!_ids.TryGetValue(text[i], out int id))
                throw new ArgumentException($"character U+{(int)text[i]:X4} at position {i} is not in the vocabulary", nameof(text));
            ids[i] = id;
        }
        return ids;
    }

    /// <summary>The text of a sequence of ids.</summary>
    public string Decode(ReadOnlySpan<long> ids)
    {
        var chars = new char[ids.Length];
        for (int i = 0; i < ids.Length; i++) chars[i] = Chars[(int)ids[i]];
        return new string(chars);
    }
}
