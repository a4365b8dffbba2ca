using Pare.Core;
using Pare.Core.Random;
using Pare.Nn.Data;

namespace Pare.Nn.Training;

/// <summary>The one list of named data sets that the trainer and the command-line tool know, with where their
/// files live: Debian's dataset-fashion-mnist, the subset embedded in the repository's data/ folder (copied beside
/// the tool), and ../shared/data beside the repository (MNIST, CIFAR-10 subset, SST-2, tiny-shakespeare).</summary>
public static class DataCatalog
{
    /// <summary>Words per SST-2 sentence; longer ones are truncated (the longest training sentence has 52).</summary>
    public const int Sst2Context = 64;

    /// <summary>Pixels of zero padding for CIFAR-10's random crops.</summary>
    public const int CifarCropPadding = 4;

    /// <summary>CIFAR-10 per-channel mean and std of pixels/255 (the usual training-set figures).</summary>
    public static readonly (float[] Mean, float[] Std) CifarStats = ([0.4914f, 0.4822f, 0.4465f], [0.2470f, 0.2435f, 0.2616f]);

    /// <summary>Environment variable naming the shared data folder when it is not ../shared/data beside the
    /// repository (e.g. for a git worktree elsewhere).</summary>
    public const string SharedDataVariable = "PARE_SHARED_DATA";

    private const string SubsetFolder = "data/fashion-mnist-subset", SharedFolder = "../shared/data";

    private sealed record Entry(DataSetInfo Info, Func<IReadOnlyList<string>, TrainingData> Load);

    private static readonly Entry[] Entries =
    [
        new(new("fashion-mnist", DataKind.Gray28Images, $"Fashion-MNIST 60,000/10,000 (Debian's dataset-fashion-mnist, {ImageDatasets.FashionMnistRoot})"),
            _ => GrayPair("fashion-mnist", ImageDatasets.FashionMnistRoot, "train", ImageDatasets.FashionMnistRoot, "t10k",
                "install it with: sudo apt-get install dataset-fashion-mnist")),
        new(new("fashion-mnist-subset", DataKind.Gray28Images, $"Fashion-MNIST 4,000/1,000 embedded in the repository ({SubsetFolder})"),
            LoadSubset),
        new(new("mnist", DataKind.Gray28Images, $"MNIST 10,000/10,000 ({SharedFolder}/mnist10k, mnist)"),
            from => GrayPair("mnist", Shared(from, "mnist10k"), "train10k", Shared(from, "mnist"), "t10k", $"it belongs to {SharedFolder}")),
        new(new("cifar10", DataKind.Rgb32Images, $"CIFAR-10 subset 10,000/2,000 ({SharedFolder}/cifar10-subset), random-crop (pad {CifarCropPadding}) and flip augmentation"),
            LoadCifar10),
        new(new("sst2", DataKind.WordSequences, $"SST-2 sentences, train/dev ({SharedFolder}/sst2), word vocabulary of the training split"),
            LoadSst2),
        new(new("tinyshakespeare", DataKind.CharText, $"tiny-shakespeare characters, first 90% train / last 10% validation ({SharedFolder}/tinyshakespeare)"),
            from => new CorpusData("tinyshakespeare", CharCorpus.Load(Path.Combine(Shared(from, "tinyshakespeare"), "input.txt")))),
    ];

    /// <summary>Every data set.</summary>
    public static IReadOnlyList<DataSetInfo> All { get; } = [.. Entries.Select(e => e.Info)];

    /// <summary>Known data set names.</summary>
    public static IReadOnlyList<string> Names { get; } = [.. Entries.Select(e => e.Info.Name)];

    /// <summary>The data set called <paramref name="name"/>.</summary>
    /// <exception cref="ArgumentException">unknown name; the message lists the known ones</exception>
    public static DataSetInfo Get(string name) => Find(name).Info;

    /// <summary>Loads <paramref name="name"/>.</summary>
    /// <param name="name">one of <see cref="Names"/></param>
    /// <param name="searchFrom">folders to start the search for the repository (data/, ../shared) from;
    /// default: the current directory (so a repository checkout uses its own files), then the application's base
    /// directory (where the tool carries the embedded subset)</param>
    /// <exception cref="ArgumentException">unknown name; the message lists the known ones</exception>
    /// <exception cref="FileNotFoundException">a file is missing; the message names it and how to get it</exception>
    /// <exception cref="InvalidDataException">a file is corrupt; the message names it</exception>
    public static TrainingData Load(string name, IReadOnlyList<string>? searchFrom = null) =>
        Find(name).Load(searchFrom ?? [Directory.GetCurrentDirectory(), AppContext.BaseDirectory]);

    /// <summary>Loads a classification data set (images or sentences).</summary>
    /// <exception cref="ArgumentException">unknown name, or a corpus rather than a classification set</exception>
    public static ClassificationData LoadClassification(string name, IReadOnlyList<string>? searchFrom = null)
    {
        if (Get(name).Kind == DataKind.CharText)
            throw new ArgumentException($"data set '{name}' is a text corpus for language models, not a classification set", nameof(name));
        return (ClassificationData)Load(name, searchFrom);
    }

    private static Entry Find(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        return Entries.FirstOrDefault(e => e.Info.Name == name)
            ?? throw new ArgumentException($"unknown data set '{name}'; known data sets: {string.Join(", ", Names)}", nameof(name));
    }

    private static ClassificationData LoadSubset(IReadOnlyList<string> searchFrom)
    {
        // data/ directly under a start folder (a repository root, or the tool's folder, where the csproj copies the
        // files), then data/ of a repository above one.
        var dir = searchFrom.Select(s => Path.Combine(s, SubsetFolder)).FirstOrDefault(Directory.Exists)
            ?? FindUp(searchFrom, SubsetFolder)
            ?? throw new FileNotFoundException(
                $"the embedded data set {SubsetFolder} was found neither beside the tool ({Path.Combine(AppContext.BaseDirectory, SubsetFolder)}) nor in a repository above {string.Join(" or ", searchFrom)}");
        return GrayPair("fashion-mnist-subset", dir, "train", dir, "t10k", $"it belongs to the repository's {SubsetFolder}");
    }

    private static ClassificationData LoadCifar10(IReadOnlyList<string> searchFrom)
    {
        var dir = Shared(searchFrom, "cifar10-subset");
        var (mean, std) = CifarStats;
        var train = ImageDatasets.LoadCifar10(Path.Combine(dir, "data_batch_subset10k.bin"), mean, std);
        var test = ImageDatasets.LoadCifar10(Path.Combine(dir, "test_batch_subset2k.bin"), mean, std);
        return new ClassificationData("cifar10", DataKind.Rgb32Images, train, test, VocabularySize: 0)
        {
            Augment = (batch, rng) =>
            {
                ImageAugment.RandomCrop(batch, CifarCropPadding, rng);
                ImageAugment.RandomHorizontalFlip(batch, rng);
            },
        };
    }

    private static ClassificationData LoadSst2(IReadOnlyList<string> searchFrom)
    {
        var dir = Shared(searchFrom, "sst2");
        var train = Sst2.Load(Path.Combine(dir, "train.tsv"));
        var dev = Sst2.Load(Path.Combine(dir, "dev.tsv"));
        var vocabulary = new WordVocabulary(train.Select(r => r.Sentence));
        LabeledImages Encode(IReadOnlyList<(string Sentence, int Label)> rows)
        {
            var ids = new long[rows.Count * Sst2Context];
            var labels = new long[rows.Count];
            for (int i = 0; i < rows.Count; i++)
            {
                vocabulary.Encode(rows[i].Sentence, Sst2Context).CopyTo(ids.AsSpan(i * Sst2Context));
                labels[i] = rows[i].Label;
            }
            return new LabeledImages(Tensor.Wrap(ids, [rows.Count, Sst2Context]), Tensor.Wrap(labels, [rows.Count]), 2);
        }
        return new ClassificationData("sst2", DataKind.WordSequences, Encode(train), Encode(dev), vocabulary.Count);
    }

    /// <summary>Folder <paramref name="name"/> of the shared data: $PARE_SHARED_DATA when set, else ../shared/data
    /// beside a repository above the start folders.</summary>
    private static string Shared(IReadOnlyList<string> searchFrom, string name)
    {
        if (Environment.GetEnvironmentVariable(SharedDataVariable) is { Length: > 0 } set) return Path.Combine(set, name);
        var shared = FindUp(searchFrom, SharedFolder)
            ?? throw new FileNotFoundException(
                $"{SharedFolder}/{name} is needed beside the repository (or set {SharedDataVariable}); no {SharedFolder} found above {string.Join(" or ", searchFrom)}");
        return Path.Combine(shared, name);
    }

    /// <summary>The first folder "ancestor/<paramref name="relative"/>" that exists, for ancestors of the start
    /// folders that hold Pare.slnx.</summary>
    private static string? FindUp(IReadOnlyList<string> starts, string relative)
    {
        foreach (var start in starts)
        {
            for (var d = new DirectoryInfo(Path.GetFullPath(start)); d is not null; d = d.Parent)
            {
                if (!File.Exists(Path.Combine(d.FullName, "Pare.slnx"))) continue;
                var candidate = Path.GetFullPath(Path.Combine(d.FullName, relative));
                if (Directory.Exists(candidate)) return candidate;
            }
        }
        return null;
    }

    /// <summary>A Fashion-MNIST-layout IDX pair of training and test files, normalized like torch_train.py.</summary>
    private static ClassificationData GrayPair(string name, string trainDir, string trainPrefix, string testDir, string testPrefix, string hint)
    {
        var (mean, std) = ImageDatasets.FashionMnistStats;
        var files = new[]
        {
            Path.Combine(trainDir, $"{trainPrefix}-images-idx3-ubyte.gz"), Path.Combine(trainDir, $"{trainPrefix}-labels-idx1-ubyte.gz"),
            Path.Combine(testDir, $"{testPrefix}-images-idx3-ubyte.gz"), Path.Combine(testDir, $"{testPrefix}-labels-idx1-ubyte.gz"),
        };
        foreach (var f in files)
            if (!File.Exists(f)) throw new FileNotFoundException($"data file not found: {f} ({hint})", f);
        return new ClassificationData(name, DataKind.Gray28Images,
            ImageDatasets.LoadIdx(files[0], files[1], mean, std), ImageDatasets.LoadIdx(files[2], files[3], mean, std), VocabularySize: 0);
    }
}
