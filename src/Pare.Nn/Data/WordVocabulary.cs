namespace Pare.Nn.Data;

/// <summary>Word-level vocabulary for whitespace-tokenized, lower-cased text: id 0 is padding, id 1 stands for
/// every word outside the vocabulary, then the words seen at least <c>minCount</c> times, most frequent first
/// (ties in ordinal order, so the ids are deterministic).</summary>
public sealed class WordVocabulary
{
    /// <summary>Id of the padding token.</summary>
    public const int Pad = 0;

    /// <summary>Id of the unknown-word token.</summary>
    public const int Unknown = 1;

    private readonly Dictionary<string, int> _ids = new(StringComparer.Ordinal);
    private readonly List<string> _words = ["<pad>", "<unk>"];

    /// <summary>Builds the vocabulary from training sentences.</summary>
    public WordVocabulary(IEnumerable<string> sentences, int minCount = 1, int maxSize = int.MaxValue)
    {
        ArgumentNullException.ThrowIfNull(sentences);
        var counts = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var s in sentences)
            foreach (var w in Tokenize(s))
                counts[w] = counts.GetValueOrDefault(w) + 1;
        foreach (var (word, _) in counts.Where(kv => kv.Value >= minCount)
                     .OrderByDescending(kv => kv.Value).ThenBy(kv => kv.Key, StringComparer.Ordinal)
                     .Take(Math.Max(0, maxSize - 2)))
        {
            _ids[word] = _words.Count;
            _words.Add(word);
        }
    }

    /// <summary>Number of ids, the two special tokens included.</summary>
    public int Count => _words.Count;

    /// <summary>The word of an id.</summary>
    public string this[int id] => _words[id];

    /// <summary>Lower-cases and splits on white space.</summary>
    public static string[] Tokenize(string sentence) =>
        (sentence ?? throw new ArgumentNullException(nameof(sentence))).ToLowerInvariant().Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);

    /// <summary>Ids of a sentence, truncated or padded to <paramref name="length"/>.</summary>
    public long[] Encode(string sentence, int length)
    {
        var ids = new long[length];
        var words = Tokenize(sentence);
        for (int i = 0; i < Math.Min(length, words.Length); i++) ids[i] = _ids.GetValueOrDefault(words[i], Unknown);
        return ids;
    }
}
