using Pare.Core.Random;
using Pare.Nn.Modules;
using Pare.Nn.Training;

namespace Pare.Nn.Presets;

/// <summary>A named model architecture, the kind of data it trains on and the training hyperparameters it is
/// measured with.</summary>
/// <param name="Name">the name used on the command line ("mlp", "gpt-char")</param>
/// <param name="Description">one line for help texts</param>
/// <param name="Input">the kind of data set it trains on; any data set of that kind fits</param>
/// <param name="Build">builds a freshly initialized model from a generator (same seed ⇒ same weights) and the
/// data set's vocabulary size (text models size their embeddings by it; image models ignore it)</param>
/// <param name="Defaults">default hyperparameters</param>
public sealed record ModelPreset(string Name, string Description, DataKind Input, Func<Rng, int, Module> Build, TrainingDefaults Defaults)
{
    /// <summary>True for language models, which train by steps on a text corpus and report a validation loss;
    /// the others are classifiers that train by epochs and report a test accuracy.</summary>
    public bool IsLanguageModel => Input == DataKind.CharText;

    /// <summary>A freshly initialized model.</summary>
    /// <param name="rng">initialization generator</param>
    /// <param name="vocabularySize">tokens in the data set's vocabulary (see <see cref="TrainingData.VocabularySize"/>);
    /// required by text models</param>
    /// <exception cref="ArgumentException">a text model without a vocabulary size</exception>
    public Module Create(Rng rng, int vocabularySize = 0)
    {
        ArgumentNullException.ThrowIfNull(rng);
        if (Input is DataKind.CharText or DataKind.WordSequences && vocabularySize < 1)
            throw new ArgumentException($"model '{Name}' needs the vocabulary size of its data set", nameof(vocabularySize));
        return Build(rng, vocabularySize);
    }

    /// <summary>Checks that this preset can train on <paramref name="data"/>.</summary>
    /// <exception cref="ArgumentException">the data set holds another kind of data; the message names both and the data sets that fit</exception>
    public void CheckFits(DataSetInfo data)
    {
        ArgumentNullException.ThrowIfNull(data);
        if (data.Kind == Input) return;
        var fitting = DataCatalog.All.Where(d => d.Kind == Input).Select(d => d.Name);
        throw new ArgumentException(
            $"model '{Name}' does not train on data set '{data.Name}' ({Describe(data.Kind)}); it needs {Describe(Input)}: {string.Join(", ", fitting)}");
    }

    private static string Describe(DataKind kind) => kind switch
    {
        DataKind.Gray28Images => "grey 28×28 images",
        DataKind.Rgb32Images => "RGB 32×32 images",
        DataKind.WordSequences => "labelled sentences",
        DataKind.CharText => "a character text corpus",
        _ => kind.ToString(),
    };
}
