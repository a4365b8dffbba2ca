using Pare.Core;
using Pare.Core.Random;

namespace Pare.Nn.Data;

/// <summary>A character-level language-modelling corpus (tiny-shakespeare): the text encoded with its
/// <see cref="CharVocabulary"/>, the first 90% for training and the rest for validation, as in the PyTorch
/// peer. Batches are random windows: inputs (B, T) and the same windows shifted by one as targets.</summary>
public sealed class CharCorpus
{
    private CharCorpus(CharVocabulary vocabulary, long[] train, long[] validation)
    {
        Vocabulary = vocabulary;
        Train = train;
        Validation = validation;
    }

    /// <summary>The vocabulary.</summary>
    public CharVocabulary Vocabulary { get; }

    /// <summary>Encoded training text.</summary>
    public long[] Train { get; }

    /// <summary>Encoded validation text.</summary>
    public long[] Validation { get; }

    /// <summary>Reads a UTF-8 text file and splits it 90/10.</summary>
    public static CharCorpus Load(string path, double trainFraction = 0.9)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"text corpus not found: {path}", path);
        var text = File.ReadAllText(path);
        if (text.Length < 2) throw new InvalidDataException($"{path}: the corpus is empty");
        var vocab = new CharVocabulary(text);
        var ids = vocab.Encode(text);
        int n = (int)(trainFraction * ids.Length);
        return new CharCorpus(vocab, ids[..n], ids[n..]);
    }

    /// <summary>B random windows of length T from <paramref name="source"/>: inputs and next-character targets,
    /// both (B, T) int64.</summary>
    public static (Tensor Inputs, Tensor Targets) SampleBatch(long[] source, int batch, int context, Rng rng)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(rng);
        if (source.Length < context + 2)
            throw new ArgumentException($"a text of {source.Length} characters is too short for windows of {context}");
        var x = new long[batch * context];
        var y = new long[batch * context];
        for (int b = 0; b < batch; b++)
        {
            int start = rng.NextInt(source.Length - context - 1);
            source.AsSpan(start, context).CopyTo(x.AsSpan(b * context));
            source.AsSpan(start + 1, context).CopyTo(y.AsSpan(b * context));
        }
        return (Tensor.Wrap(x, [batch, context]), Tensor.Wrap(y, [batch, context]));
    }
}
