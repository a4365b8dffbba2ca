using Pare.Nn.Data;

namespace Pare.Nn.Training;

/// <summary>A character-level corpus split into training and validation text.</summary>
/// <param name="Name">catalog name</param>
/// <param name="Corpus">the encoded text</param>
public sealed record CorpusData(string Name, CharCorpus Corpus) : TrainingData(Name, DataKind.CharText)
{
    /// <inheritdoc/>
    public override int VocabularySize => Corpus.Vocabulary.Count;
}
