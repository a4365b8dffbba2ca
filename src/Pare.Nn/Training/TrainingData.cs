namespace Pare.Nn.Training;

/// <summary>A loaded data set of the <see cref="DataCatalog"/>: either <see cref="ClassificationData"/> or
/// <see cref="CorpusData"/>.</summary>
/// <param name="Name">catalog name</param>
/// <param name="Kind">what it holds</param>
public abstract record TrainingData(string Name, DataKind Kind)
{
    /// <summary>Size of the token vocabulary for text data (models size their embeddings by it); 0 for images.</summary>
    public abstract int VocabularySize { get; }
}
