namespace Pare.Nn.Training;

/// <summary>A data set the <see cref="DataCatalog"/> knows.</summary>
/// <param name="Name">the name used on the command line</param>
/// <param name="Kind">what it holds (decides which presets train on it)</param>
/// <param name="Description">one line for help texts: contents and where the files come from</param>
public sealed record DataSetInfo(string Name, DataKind Kind, string Description);
