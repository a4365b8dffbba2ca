namespace Pare.Nn.Data;

/// <summary>GLUE SST-2 sentiment data: TSV files with a header row and columns <c>sentence</c>, <c>label</c>
/// (train.tsv, dev.tsv; the test split has no labels).</summary>
public static class Sst2
{
    /// <summary>Reads (sentence, label) pairs from an SST-2 TSV file.</summary>
    public static IReadOnlyList<(string Sentence, int Label)> Load(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"SST-2 file not found: {path}", path);
        using var reader = new StreamReader(path);
        var header = reader.ReadLine()?.Split('\t') ?? throw new InvalidDataException($"{path}: empty file");
        int sentence = Array.IndexOf(header, "sentence"), label = Array.IndexOf(header, "label");
        if (sentence < 0 || label < 0)
            throw new InvalidDataException($"{path}: header must name 'sentence' and 'label' columns, found '{string.Join("', '", header)}'");
        var rows = new List<(string, int)>();
        int line = 1;
        while (reader.ReadLine() is { } text)
        {
            line++;
            if (text.Length == 0) continue;
            var cols = text.Split('\t');
            if (cols.Length <= Math.Max(sentence, label) || !int.TryParse(cols[label], out int y) || y is < 0 or > 1)
                throw new InvalidDataException($"{path}:{line}: expected a sentence and a 0/1 label");
            rows.Add((cols[sentence].Trim(), y));
        }
        return rows;
    }
}
